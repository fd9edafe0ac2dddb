// Lab pods served as Neutron regions: bottoms that live OUTSIDE the engine's file, for the crash
// tests (issue 10 item 3). Its own SQLite file holds lab pods; each is served at
// http://127.0.0.1:<port>/<region>/v2.0 over the subset of Neutron v2.0 that the `neutron` driver
// uses (main/engine/drivers/neutron), with noauth. The lab driver does all the work, so the
// semantics are the lab's, which the driver conformance suite holds equal to Neutron's.
//
// Run alone: npx tsx test/engine/support/lab-region-server.ts <db> <port> <Region>...
// (prints "listening <port>" once ready).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CrosspodError, type ErrorCode } from '../../../shared/errors';
import { createEngine } from '../../../main/engine';
import type { PodDriver, ResourceKind } from '../../../main/engine/drivers/driver';
import { createLabDriver } from '../../../main/engine/drivers/lab';
import type { Engine } from '../../../main/engine/types';

const KIND: Record<string, ResourceKind> = {
  networks: 'network',
  subnets: 'subnet',
  ports: 'port',
  routers: 'router',
  floatingips: 'floatingip',
  'security-groups': 'security_group',
  'security-group-rules': 'security_group_rule',
};
// Query values are strings; the lab driver filters with the field's own type.
const BOOL = new Set(['router:external', 'admin_state_up', 'enable_dhcp']);
const NUM = new Set(['provider:segmentation_id', 'ip_version']);
// Crosspod codes → the Neutron exception types the neutron driver maps back (errors.ts there).
const TYPE: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'NotFound',
  IP_ADDRESS_IN_USE: 'IpAddressInUse',
  ROUTER_IN_USE: 'RouterInUse',
  PORT_IN_USE: 'PortInUse',
  NETWORK_IN_USE: 'NetworkInUse',
  SUBNET_IN_USE: 'SubnetInUse',
  ROUTER_INTERFACE_NOT_FOUND: 'RouterInterfaceNotFound',
  EXTERNAL_GATEWAY_NOT_FOUND: 'ExternalGatewayForFloatingIPNotFound',
  FLOATING_IP_ASSOCIATED: 'FloatingIPPortAlreadyAssociated',
  SUBNET_EXHAUSTED: 'IpAddressGenerationFailure',
  IP_NOT_IN_SUBNET: 'InvalidIpForSubnet',
  OVER_QUOTA: 'OverQuota',
  CONFLICT: 'Conflict',
};

export interface RequestInfo {
  method: string;
  region: string;
  /** The path after /v2.0, e.g. /floatingips or /routers/<id>/add_router_interface. */
  path: string;
}

export interface LabRegionServer {
  /** Called once a request is done, before its answer is sent (a test can kill the caller here). */
  afterRequest?: (r: RequestInfo) => Promise<void> | void;
  url: string;
  port: number;
  engine: Engine;
  /** The lab driver of a served region, to read what it holds. */
  pod(region: string): PodDriver;
  endpoint(region: string): string;
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;

async function readJson(req: IncomingMessage): Promise<Obj> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Obj) : {};
}

function filtersOf(url: URL): Obj {
  const out: Obj = {};
  for (const [k, v] of url.searchParams) {
    if (k === 'limit' || k === 'marker' || k === 'fields') continue;
    out[k] = BOOL.has(k) ? v === 'true' || v === 'True' : NUM.has(k) ? Number(v) : v;
  }
  return out;
}

/** One request against one region's lab driver: the answer's status and body. */
async function route(d: PodDriver, method: string, parts: string[], url: URL, body: Obj): Promise<{ status: number; body?: unknown }> {
  if (parts.length === 0) return { status: 200, body: { resources: Object.keys(KIND).map((c) => ({ name: KIND[c], collection: c })) } };
  if (parts[0] === 'extensions') return { status: 200, body: { extensions: ['router', 'external-net', 'extraroute'].map((alias) => ({ alias, name: alias })) } };
  const kind = KIND[parts[0]];
  if (!kind) throw new CrosspodError('NOT_FOUND', `The resource could not be found: ${parts[0]}`);
  const [, id, action] = parts;
  if (!id) {
    // Neutron's body key has underscores where the path has dashes (security_groups).
    if (method === 'GET') return { status: 200, body: { [parts[0].replace(/-/g, '_')]: await d.list(kind, filtersOf(url) as never) } };
    if (method === 'POST') return { status: 201, body: { [kind]: await d.create(kind, body[kind] as never) } };
  } else if (kind === 'router' && action) {
    if (method === 'PUT' && action === 'add_router_interface') return { status: 200, body: await d.addInterface(id, body as never) };
    if (method === 'PUT' && action === 'remove_router_interface') return { status: 200, body: await d.removeInterface(id, body as never) };
  } else if (method === 'GET') {
    return { status: 200, body: { [kind]: await d.get(kind, id) } };
  } else if (method === 'DELETE') {
    await d.delete(kind, id);
    return { status: 204 };
  } else if (method === 'PUT') {
    const attrs = (body[kind] ?? {}) as Obj;
    if (kind === 'router') {
      // The driver sends gateway and route changes as a router PUT, as Neutron takes them.
      let r: unknown;
      if ('external_gateway_info' in attrs) {
        const gw = attrs.external_gateway_info as Obj | null;
        r = gw && gw.network_id ? await d.addGateway(id, gw as never) : await d.removeGateway(id);
      }
      if ('routes' in attrs) r = await d.setRoutes(id, attrs.routes as never);
      if ('name' in attrs) r = await d.update('router', id, { name: attrs.name as string });
      return { status: 200, body: { router: r ?? (await d.get('router', id)) } };
    }
    return { status: 200, body: { [kind]: await d.update(kind, id, attrs as never) } };
  }
  throw new CrosspodError('BAD_REQUEST', `${method} is not supported on ${url.pathname}`);
}

/**
 * A fresh engine on dir/engine.db whose pod `Remote` (AZ azR) is a lab region served over HTTP
 * from dir/regions.db, beside the lab pods given (region name → AZ), under a top pod RegionOne.
 */
export async function engineWithRemoteRegion(dir: string, labs: Record<string, string>): Promise<{ server: LabRegionServer; engine: Engine }> {
  const server = await startLabRegionServer({ dbPath: join(dir, 'regions.db'), regions: ['Remote'] });
  const engine = await createEngine({ dbPath: join(dir, 'engine.db') });
  await engine.api['pods.create']({ region_name: 'RegionOne' });
  await engine.api['pods.create']({ region_name: 'Remote', az_name: 'azR', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: server.endpoint('Remote') } });
  for (const [region, az] of Object.entries(labs)) await engine.api['pods.create']({ region_name: region, az_name: az });
  return { server, engine };
}

/**
 * Holds every answer of the server until the returned function is called (or 20 s pass, so a
 * queue that waits on it cannot hang a test), and then lets them through again: a slow region.
 */
export function gateAnswers(server: LabRegionServer): () => void {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  server.afterRequest = async () => {
    await Promise.race([gate, new Promise((r) => setTimeout(r, 20_000))]);
  };
  return () => {
    server.afterRequest = undefined;
    open();
  };
}

export async function startLabRegionServer(opts: { dbPath: string; regions: string[]; port?: number }): Promise<LabRegionServer> {
  const engine = await createEngine({ dbPath: opts.dbPath, autoRunJobs: false });
  const podIds = new Map<string, string>();
  const existing = (await engine.api['pods.list']({})).items;
  if (!existing.some((p) => p.is_top)) await engine.api['pods.create']({ region_name: 'LabTop' });
  for (const r of opts.regions) {
    const have = existing.find((p) => p.region_name === r);
    if (have) podIds.set(r, have.pod_id);
  }
  for (const [i, r] of opts.regions.entries()) {
    if (!podIds.has(r)) podIds.set(r, (await engine.api['pods.create']({ region_name: r, az_name: `lab-az${i + 1}` })).pod_id);
  }
  const drivers = new Map([...podIds].map(([r, id]) => [r, createLabDriver(engine.store.db, id)]));

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://lab.invalid');
    const [region, version, ...parts] = url.pathname.split('/').filter(Boolean);
    const send = (status: number, body?: unknown) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, text ? { 'Content-Type': 'application/json' } : {});
      res.end(text);
    };
    const d = drivers.get(decodeURIComponent(region ?? ''));
    if (!d || version !== 'v2.0') return send(404, { NeutronError: { type: 'NotFound', message: `No region at ${url.pathname}`, detail: '' } });
    const info: RequestInfo = { method: req.method ?? 'GET', region: decodeURIComponent(region), path: `/${parts.join('/')}` };
    readJson(req)
      .then((body) => route(d, info.method, parts.map(decodeURIComponent), url, body))
      .then(async (r) => {
        await self.afterRequest?.(info);
        send(r.status, r.body);
      })
      .catch((e: unknown) => {
        const err = e instanceof CrosspodError ? e : new CrosspodError('INTERNAL', e instanceof Error ? e.message : String(e));
        const type = TYPE[err.code] ?? (err.status >= 500 ? 'InternalError' : 'BadRequest');
        send(err.status === 502 || err.status === 503 || err.status === 504 ? 500 : err.status, { NeutronError: { type, message: err.message, detail: '' } });
      });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const self: LabRegionServer = {
    url,
    port,
    engine,
    pod: (region) => drivers.get(region)!,
    endpoint: (region) => `${url}/${encodeURIComponent(region)}/v2.0`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
  };
  return self;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [dbPath, port, ...regions] = process.argv.slice(2);
  const s = await startLabRegionServer({ dbPath, port: Number(port), regions });
  process.stdout.write(`listening ${s.port}\n`);
}
