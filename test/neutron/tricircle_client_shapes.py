#!/usr/bin/python3
"""python-tricircleclient's requests, made as it makes them, for the /v1.0 tests.

The client itself (PyPI `tricircleclient` 1.0.0) cannot be installed where this project runs
and is tested: its only source is PyPI, which these machines do not reach, and Debian does not
package it. Every library it uses is Debian's (keystoneauth1, osc-lib, cliff, oslo.*), so this
script states its v1 requests with them: the same keystoneauth session and Adapter
(service_type 'tricircle', an admin token with a fixed endpoint, as `openstack
--os-auth-type admin_token` gives it), the same paths, headers, bodies and query strings as
tricircleclient/v1/{pods,routings,jobs}.py and the *_cli.py argument handling, and the same
error rule (any status >= 400 fails with the response text, as exceptions.from_response).

Usage: tricircle_client_shapes.py COMMAND 'JSON ARGS'   (endpoint and token from OS_ENDPOINT,
OS_TOKEN). Prints {"status": N, "body": …}; exits 1 with the client's error text on >= 400.
"""
import json
import os
import sys
from urllib import parse

from keystoneauth1 import adapter, session, token_endpoint

# tricircleclient/constants.py
JOB_RESOURCE_MAP = {
    'configure_route': ['router_id'],
    'router_setup': ['pod_id', 'router_id', 'network_id'],
    'port_delete': ['pod_id', 'port_id'],
    'seg_rule_setup': ['project_id'],
    'update_network': ['pod_id', 'network_id'],
    'trunk_sync': ['pod_id', 'trunk_id'],
    'subnet_update': ['pod_id', 'subnet_id'],
    'shadow_port_setup': ['pod_id', 'network_id'],
    'sfc_sync': ['pod_id', 'portchain_id', 'network_id'],
    'resource_recycle': ['project_id'],
}
JSON_HEADERS = {'Content-Type': 'application/json', 'Accept': 'application/json, */*'}


class ClientError(Exception):
    pass


def client():
    auth = token_endpoint.Token(os.environ['OS_ENDPOINT'], os.environ['OS_TOKEN'])
    return adapter.Adapter(session.Session(auth=auth), service_type='tricircle')


def request(api, method, url, **kwargs):
    """tricircleclient.client.SessionClient.request."""
    kwargs.setdefault('headers', {'Accept': 'application/json, */*'})
    resp = api.request(url, method, raise_exc=False, **kwargs)
    if resp.status_code >= 400:
        raise ClientError('%s (HTTP %s) (Request-ID: %s)' % (resp.text, resp.status_code, resp.headers.get('x-openstack-request-id')))
    return resp


def query(params):
    """The *_cli.py _prepare_query_string: sorted, urlencoded, '' when empty."""
    params = sorted(params.items(), key=lambda x: x[0])
    return '?%s' % parse.urlencode(params) if params else ''


def search(args, keys):
    return {k: args[k] for k in keys if args.get(k) is not None}


def routing_body(args):
    """routings_cli._routing_from_args: falsy values are left out."""
    data = {k: args.get(k) for k in ('top_id', 'bottom_id', 'pod_id', 'project_id', 'resource_type')}
    data['id'] = args.get('routing')
    return {'routing': {k: v for k, v in data.items() if v}}


def run(command, args):
    api = client()
    if command == 'pod-list':
        return request(api, 'GET', '/pods', headers=JSON_HEADERS)
    if command == 'pod-create':
        pod = {'region_name': args['region_name']}
        for arg, field in (('availability_zone', 'az_name'), ('pod_availability_zone', 'pod_az_name'), ('data_center', 'dc_name')):
            if args.get(arg):
                pod[field] = args[arg]
        return request(api, 'POST', '/pods', headers=JSON_HEADERS, data=json.dumps({'pod': pod}))
    if command == 'pod-show':
        return request(api, 'GET', '/pods/%s' % args['pod'], headers=JSON_HEADERS)
    if command == 'pod-delete':
        return request(api, 'DELETE', '/pods/%s' % args['pod'])
    if command == 'routing-list':
        path = '/routings' + query(search(args, ('limit', 'marker', 'id', 'top_id', 'bottom_id', 'pod_id', 'project_id', 'resource_type', 'created_at', 'updated_at')))
        return request(api, 'GET', path, headers=JSON_HEADERS)
    if command == 'routing-create':
        return request(api, 'POST', '/routings', headers=JSON_HEADERS, data=json.dumps(routing_body(args)))
    if command == 'routing-show':
        return request(api, 'GET', '/routings/%s' % args['routing'], headers=JSON_HEADERS)
    if command == 'routing-update':
        body = routing_body(args)
        return request(api, 'PUT', '/routings/%s' % body['routing'].pop('id'), headers=JSON_HEADERS, data=json.dumps(body))
    if command == 'routing-delete':
        return request(api, 'DELETE', '/routings/%s' % args['routing'])
    if command == 'job-list':
        path = '/jobs' + query(search(args, ('limit', 'marker', 'project_id', 'type', 'status')))
        return request(api, 'GET', path, headers=JSON_HEADERS)
    if command == 'job-create':
        job = {'type': args['type'], 'project_id': args['project_id'], 'resource': {f: args.get(f) for f in JOB_RESOURCE_MAP[args['type']]}}
        return request(api, 'POST', '/jobs', headers=JSON_HEADERS, data=json.dumps({'job': job}))
    if command == 'job-show':
        return request(api, 'GET', '/jobs/%s' % args['job'], headers=JSON_HEADERS)
    if command == 'job-redo':
        return request(api, 'PUT', '/jobs/%s' % args['job'], headers=JSON_HEADERS, data=None)
    if command == 'job-delete':
        return request(api, 'DELETE', '/jobs/%s' % args['job'])
    raise SystemExit('unknown command %s' % command)


def main():
    try:
        resp = run(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
    except ClientError as e:
        sys.stderr.write('%s\n' % e)
        return 1
    # The client calls .json() on every answer but DELETE's.
    body = resp.json() if resp.text else None
    if sys.argv[1] == 'job-show' or sys.argv[1] == 'job-create':
        # jobs_cli.expand_job_resource: fails on a type the client does not know.
        job = dict(body['job'])
        for f in JOB_RESOURCE_MAP[job['type']]:
            job[f] = job['resource'][f]
        job.pop('resource')
        body = {'job': job}
    print(json.dumps({'status': resp.status_code, 'body': body}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
