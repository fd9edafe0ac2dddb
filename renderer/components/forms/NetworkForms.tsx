import type { FormEvent } from 'react';
import { useMemo } from 'react';
import type { Network } from '../../../shared/model';
import { useApp } from '../../store';
import { ErrorBanner } from '../ErrorBanner';
import { ActionButton, Field } from '../Form';
import { checkCidr, hasErrors, optionalIp, parseIPv4, required } from '../validate';
import { NetworkField } from './NetworkField';
import { useFields } from './useFields';

function cidrError(v: string): string | undefined {
  if (!v.trim()) return 'CIDR is required';
  const c = checkCidr(v);
  return typeof c === 'string' ? c : undefined;
}

/** An external network in one pod (router:external, hinted to the pod's region) with its subnet. */
export function ExternalNetworkForm() {
  const pods = useApp((s) => s.pods.items);
  const project = useApp((s) => s.project);
  const createExternalNetwork = useApp((s) => s.createExternalNetwork);
  const bottomPods = useMemo(() => pods.filter((p) => !p.is_top), [pods]);
  const f = useFields({ name: 'ext-net', region_name: '', project_id: project || 'admin', cidr: '', gateway_ip: '', pool_start: '', pool_end: '' });
  const v = f.values;
  const region = v.region_name || bottomPods[0]?.region_name || '';

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const cidr = cidrError(v.cidr);
    const inNet = (ip: string) => (cidr ? optionalIp(ip) : optionalIp(ip, v.cidr.trim()));
    const errs = {
      name: required(v.name, 'Name'),
      region_name: region ? undefined : 'Create a bottom pod first',
      project_id: required(v.project_id, 'Project'),
      cidr,
      gateway_ip: inNet(v.gateway_ip),
      pool_start: inNet(v.pool_start) ?? (!v.pool_start.trim() && v.pool_end.trim() ? 'Give both ends of the pool' : undefined),
      pool_end: inNet(v.pool_end) ?? (v.pool_start.trim() && !v.pool_end.trim() ? 'Give both ends of the pool' : undefined),
    };
    if (!errs.pool_start && !errs.pool_end && v.pool_start.trim() && v.pool_end.trim()) {
      const a = parseIPv4(v.pool_start.trim());
      const b = parseIPv4(v.pool_end.trim());
      if (a !== null && b !== null && a > b) errs.pool_end = 'The pool ends before it starts';
    }
    f.setErrors(errs);
    if (hasErrors(errs)) return;
    const r = await createExternalNetwork({
      name: v.name.trim(),
      project_id: v.project_id.trim(),
      region_name: region,
      cidr: v.cidr.trim(),
      ...(v.gateway_ip.trim() ? { gateway_ip: v.gateway_ip.trim() } : {}),
      ...(v.pool_start.trim() ? { pool: { start: v.pool_start.trim(), end: v.pool_end.trim() } } : {}),
    });
    if (r) f.reset({ project_id: v.project_id, region_name: region });
  };

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="external-form" aria-label="Create external network">
      <div className="form-row">
        <Field label="Name" name="name" error={f.errors.name}>
          {(p) => <input {...p} {...f.text('name')} data-testid="external-name" />}
        </Field>
        <Field label="Pod" name="region_name" error={f.errors.region_name}>
          {(p) => (
            <select {...p} name="region_name" value={region} onChange={(e) => f.set('region_name', e.target.value)} data-testid="external-pod">
              {bottomPods.map((pod) => (
                <option key={pod.pod_id} value={pod.region_name}>
                  {pod.region_name}
                  {pod.az_name ? ` (${pod.az_name})` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Project" name="project_id" error={f.errors.project_id}>
          {(p) => <input {...p} {...f.text('project_id')} data-testid="external-project" />}
        </Field>
        <Field label="Subnet CIDR" name="cidr" error={f.errors.cidr}>
          {(p) => <input {...p} {...f.text('cidr')} data-testid="external-cidr" placeholder="162.3.124.0/24" />}
        </Field>
        <Field label="Gateway IP" name="gateway_ip" error={f.errors.gateway_ip} hint="Default: the first address">
          {(p) => <input {...p} {...f.text('gateway_ip')} data-testid="external-gateway" />}
        </Field>
        <Field label="Pool start" name="pool_start" error={f.errors.pool_start}>
          {(p) => <input {...p} {...f.text('pool_start')} data-testid="external-pool-start" />}
        </Field>
        <Field label="Pool end" name="pool_end" error={f.errors.pool_end}>
          {(p) => <input {...p} {...f.text('pool_end')} data-testid="external-pool-end" />}
        </Field>
      </div>
      <ErrorBanner action="external.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="external.create" testId="external-submit" variant="primary" disabled={!bottomPods.length}>
          Create external network
        </ActionButton>
      </div>
    </form>
  );
}

/** A tenant network, placed by an AZ hint. */
export function NetworkForm() {
  const pods = useApp((s) => s.pods.items);
  const project = useApp((s) => s.project);
  const createNetwork = useApp((s) => s.createNetwork);
  const azs = useMemo(() => [...new Set(pods.filter((p) => !p.is_top && p.az_name).map((p) => p.az_name))], [pods]);
  const f = useFields({ name: '', project_id: project, az: '' });
  const v = f.values;

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const errs = { name: required(v.name, 'Name'), project_id: required(v.project_id, 'Project') };
    f.setErrors(errs);
    if (hasErrors(errs)) return;
    const r = await createNetwork({
      name: v.name.trim(),
      project_id: v.project_id.trim(),
      ...(v.az ? { availability_zone_hints: [v.az] } : {}),
    });
    if (r) f.reset({ project_id: v.project_id, az: v.az });
  };

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="network-form" aria-label="Create network">
      <div className="form-row">
        <Field label="Name" name="name" error={f.errors.name}>
          {(p) => <input {...p} {...f.text('name')} data-testid="network-name" placeholder="net1" />}
        </Field>
        <Field label="Project" name="project_id" error={f.errors.project_id}>
          {(p) => <input {...p} {...f.text('project_id')} data-testid="network-project" placeholder="proj1" />}
        </Field>
        <Field label="Availability zone" name="az">
          {(p) => (
            <select {...p} {...f.text('az')} data-testid="network-az">
              <option value="">(none: placed on first use)</option>
              {azs.map((az) => (
                <option key={az} value={az}>
                  {az}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ErrorBanner action="networks.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="networks.create" testId="network-submit" variant="primary">
          Create network
        </ActionButton>
      </div>
    </form>
  );
}

/** A subnet on a chosen network. */
export function SubnetForm({ networks }: { networks: Network[] }) {
  const createSubnet = useApp((s) => s.createSubnet);
  const f = useFields({ network_id: '', cidr: '', name: '', gateway_ip: '', enable_dhcp: true });
  const v = f.values;
  const networkId = v.network_id || networks[0]?.id || '';

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const cidr = cidrError(v.cidr);
    const errs = {
      network_id: networkId ? undefined : 'Create a network first',
      cidr,
      gateway_ip: cidr ? optionalIp(v.gateway_ip) : optionalIp(v.gateway_ip, v.cidr.trim()),
    };
    f.setErrors(errs);
    if (hasErrors(errs)) return;
    const net = networks.find((n) => n.id === networkId);
    const r = await createSubnet({
      network_id: networkId,
      cidr: v.cidr.trim(),
      enable_dhcp: v.enable_dhcp,
      ...(v.name.trim() ? { name: v.name.trim() } : {}),
      ...(v.gateway_ip.trim() ? { gateway_ip: v.gateway_ip.trim() } : {}),
      ...(net ? { project_id: net.project_id } : {}),
    });
    if (r) f.reset({ network_id: networkId });
  };

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="subnet-form" aria-label="Create subnet">
      <div className="form-row">
        <NetworkField networks={networks} value={networkId} error={f.errors.network_id} onChange={(id) => f.set('network_id', id)} testId="subnet-network" />
        <Field label="CIDR" name="cidr" error={f.errors.cidr}>
          {(p) => <input {...p} {...f.text('cidr')} data-testid="subnet-cidr" placeholder="10.0.1.0/24" />}
        </Field>
        <Field label="Name" name="name">
          {(p) => <input {...p} {...f.text('name')} data-testid="subnet-name" />}
        </Field>
        <Field label="Gateway IP" name="gateway_ip" error={f.errors.gateway_ip} hint="Default: the first address">
          {(p) => <input {...p} {...f.text('gateway_ip')} data-testid="subnet-gateway" />}
        </Field>
        <Field label="DHCP" name="enable_dhcp">
          {(p) => <input {...p} type="checkbox" {...f.check('enable_dhcp')} data-testid="subnet-dhcp" />}
        </Field>
      </div>
      <ErrorBanner action="subnets.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="subnets.create" testId="subnet-submit" variant="primary" disabled={!networks.length}>
          Create subnet
        </ActionButton>
      </div>
    </form>
  );
}
