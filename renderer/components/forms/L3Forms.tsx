import { useMemo, type FormEvent } from 'react';
import type { Network, Port, Router, Subnet } from '../../../shared/model';
import { useApp } from '../../store';
import { ErrorBanner } from '../ErrorBanner';
import { ActionButton, Field } from '../Form';
import { isVmPort, portLabel, subnetForIp } from '../lookup';
import { hasErrors, isIP, optionalIp, required } from '../validate';
import { NetworkField } from './NetworkField';
import { useFields } from './useFields';

/** An error for an optional address that must lie in one of `subnets`. */
function ipInSubnets(ip: string, subnets: Subnet[]): string | undefined {
  const t = ip.trim();
  if (!t) return undefined;
  if (!isIP(t)) return `${t} is not an IP address`;
  if (subnets.length && !subnets.some((s) => !optionalIp(t, s.cidr))) {
    return `${t} is not in ${subnets.map((s) => s.cidr).join(' or ')}`;
  }
  return undefined;
}

export function RouterForm() {
  const project = useApp((s) => s.project);
  const createRouter = useApp((s) => s.createRouter);
  const f = useFields({ name: '', project_id: project });
  const v = f.values;
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const errs = { name: required(v.name, 'Name'), project_id: required(v.project_id, 'Project') };
    f.setErrors(errs);
    if (hasErrors(errs)) return;
    const r = await createRouter({ name: v.name.trim(), project_id: v.project_id.trim() });
    if (r) f.reset({ project_id: v.project_id });
  };
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="router-form" aria-label="Create router">
      <div className="form-row">
        <Field label="Name" name="name" error={f.errors.name}>
          {(p) => <input {...p} {...f.text('name')} data-testid="router-name" placeholder="router1" />}
        </Field>
        <Field label="Project" name="project_id" error={f.errors.project_id}>
          {(p) => <input {...p} {...f.text('project_id')} data-testid="router-project" placeholder="proj1" />}
        </Field>
      </div>
      <ErrorBanner action="routers.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="routers.create" testId="router-submit" variant="primary">
          Create router
        </ActionButton>
      </div>
    </form>
  );
}

/** Sets a router's gateway on an external network, with an optional fixed IP. */
export function GatewayForm({ router, externals, subnets }: { router: Router; externals: Network[]; subnets: Subnet[] }) {
  const setGateway = useApp((s) => s.setGateway);
  const f = useFields({ network_id: '', ip: '' });
  const action = `routers.setGateway:${router.id}`;
  const networkId = f.values.network_id || externals[0]?.id || '';
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const netSubnets = subnets.filter((s) => s.network_id === networkId);
    const errs = { network_id: networkId ? undefined : 'Create an external network first', ip: ipInSubnets(f.values.ip, netSubnets) };
    f.setErrors(errs);
    if (hasErrors(errs)) return;
    const ip = f.values.ip.trim();
    const subnet = ip ? subnetForIp(subnets, networkId, ip) : undefined;
    const r = await setGateway({
      id: router.id,
      network_id: networkId,
      ...(ip ? { external_fixed_ips: [{ ip_address: ip, ...(subnet ? { subnet_id: subnet.id } : {}) }] } : {}),
    });
    if (r) f.reset();
  };
  return (
    <form className="form inline" onSubmit={submit} noValidate data-testid="router-gateway-form" aria-label={`Set gateway of ${router.name}`}>
      <NetworkField label="External network" showProject={false} networks={externals} value={networkId} error={f.errors.network_id} onChange={(id) => f.set('network_id', id)} testId="router-gateway-network" />
      <Field label="Gateway IP (optional)" name="ip" error={f.errors.ip}>
        {(p) => <input {...p} {...f.text('ip')} data-testid="router-gateway-ip" placeholder="auto" />}
      </Field>
      <ActionButton type="submit" action={action} testId="router-gateway-set" disabled={!externals.length}>
        Set gateway
      </ActionButton>
    </form>
  );
}

/** A VM port (device_owner compute:nova) with an optional fixed IP. */
export function PortForm({ networks }: { networks: Network[] }) {
  const subnets = useApp((s) => s.subnets.items);
  const createPort = useApp((s) => s.createPort);
  const f = useFields({ network_id: '', ip: '', name: '', device_id: '', mac_address: '' });
  const v = f.values;
  const networkId = v.network_id || networks[0]?.id || '';
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const netSubnets = subnets.filter((s) => s.network_id === networkId);
    const errs = {
      network_id: networkId ? undefined : 'Create a network first',
      ip: ipInSubnets(v.ip, netSubnets),
      mac_address: v.mac_address.trim() && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v.mac_address.trim()) ? 'A MAC address like fa:16:3e:00:01:04' : undefined,
    };
    f.setErrors(errs);
    if (hasErrors(errs)) return;
    const ip = v.ip.trim();
    const subnet = ip ? subnetForIp(subnets, networkId, ip) : undefined;
    const net = networks.find((n) => n.id === networkId);
    const r = await createPort({
      network_id: networkId,
      device_owner: 'compute:nova',
      ...(ip ? { fixed_ips: [{ ip_address: ip, ...(subnet ? { subnet_id: subnet.id } : {}) }] } : {}),
      ...(v.name.trim() ? { name: v.name.trim() } : {}),
      ...(v.device_id.trim() ? { device_id: v.device_id.trim() } : {}),
      ...(v.mac_address.trim() ? { mac_address: v.mac_address.trim().toLowerCase() } : {}),
      ...(net ? { project_id: net.project_id } : {}),
    });
    if (r) f.reset({ network_id: networkId });
  };
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="port-form" aria-label="Create VM port">
      <div className="form-row">
        <NetworkField networks={networks} value={networkId} error={f.errors.network_id} onChange={(id) => f.set('network_id', id)} testId="port-network" />
        <Field label="Fixed IP (optional)" name="ip" error={f.errors.ip}>
          {(p) => <input {...p} {...f.text('ip')} data-testid="port-ip" placeholder="10.0.1.4" />}
        </Field>
        <Field label="Name" name="name">
          {(p) => <input {...p} {...f.text('name')} data-testid="port-name" placeholder="vm1" />}
        </Field>
        <Field label="Device id" name="device_id">
          {(p) => <input {...p} {...f.text('device_id')} data-testid="port-device" />}
        </Field>
        <Field label="MAC address" name="mac_address" error={f.errors.mac_address}>
          {(p) => <input {...p} {...f.text('mac_address')} data-testid="port-mac" placeholder="auto" />}
        </Field>
      </div>
      <ErrorBanner action="ports.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="ports.create" testId="port-submit" variant="primary" disabled={!networks.length}>
          Create VM port
        </ActionButton>
      </div>
    </form>
  );
}

/** Allocates a floating IP on an external network, optionally associating it at once. */
export function FipForm({ externals, ports, networks }: { externals: Network[]; ports: Port[]; networks: Network[] }) {
  const subnets = useApp((s) => s.subnets.items);
  const project = useApp((s) => s.project);
  const allocateFip = useApp((s) => s.allocateFip);
  const vmPorts = useMemo(() => ports.filter(isVmPort), [ports]);
  const f = useFields({ network_id: '', address: '', project_id: project, port_id: '' });
  const v = f.values;
  const networkId = v.network_id || externals[0]?.id || '';
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const errs = {
      network_id: networkId ? undefined : 'Create an external network first',
      address: ipInSubnets(v.address, subnets.filter((s) => s.network_id === networkId)),
    };
    f.setErrors(errs);
    if (hasErrors(errs)) return;
    const port = vmPorts.find((p) => p.id === v.port_id);
    const r = await allocateFip({
      floating_network_id: networkId,
      ...(v.address.trim() ? { floating_ip_address: v.address.trim() } : {}),
      ...(v.project_id.trim() ? { project_id: v.project_id.trim() } : port ? { project_id: port.project_id } : {}),
      ...(port ? { port_id: port.id } : {}),
    });
    if (r) f.reset({ network_id: networkId, project_id: v.project_id });
  };
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="fip-form" aria-label="Allocate floating IP">
      <div className="form-row">
        <NetworkField label="External network" showProject={false} networks={externals} value={networkId} error={f.errors.network_id} onChange={(id) => f.set('network_id', id)} testId="fip-network" />
        <Field label="Address (optional)" name="address" error={f.errors.address}>
          {(p) => <input {...p} {...f.text('address')} data-testid="fip-address" placeholder="lowest free" />}
        </Field>
        <Field label="Project" name="project_id">
          {(p) => <input {...p} {...f.text('project_id')} data-testid="fip-project" placeholder="the port's" />}
        </Field>
        <Field label="Associate with" name="port_id">
          {(p) => (
            <select {...p} {...f.text('port_id')} data-testid="fip-port">
              <option value="">(not associated)</option>
              {vmPorts.map((port) => (
                <option key={port.id} value={port.id}>
                  {portLabel(port, networks)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ErrorBanner action="fips.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="fips.create" testId="fip-submit" variant="primary" disabled={!externals.length}>
          Allocate floating IP
        </ActionButton>
      </div>
    </form>
  );
}
