import { zodResolver } from '@hookform/resolvers/zod';
import { useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import type { Network, Router, Subnet } from '../../../shared/model';
import { act } from '../../data/actions';
import { useItems } from '../../data/query';
import { useApp } from '../../store';
import { ErrorBanner } from '../ErrorBanner';
import { ActionButton, Field } from '../Form';
import { fipPortChoices } from '../lookup';
import { NetworkField } from './NetworkField';
import { CLEAR, blank, fixedIp, required, shapes } from './schema';

const routerSchema = z.object({ name: required(shapes.router.name.unwrap(), 'Name'), project_id: required(shapes.router.project_id, 'Project') });

export function RouterForm() {
  const project = useApp((s) => s.project);
  const f = useForm<z.input<typeof routerSchema>, unknown, z.output<typeof routerSchema>>({ resolver: zodResolver(routerSchema), defaultValues: { name: '', project_id: project } });
  const e = f.formState.errors;
  const submit = f.handleSubmit(async (v) => {
    const r = await act('routers.create', 'routers.create', v);
    if (r) f.reset({ name: '', project_id: v.project_id }, CLEAR);
  });
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="router-form" aria-label="Create router">
      <div className="form-row">
        <Field label="Name" name="name" error={e.name?.message}>
          {(p) => <input {...p} {...f.register('name')} data-testid="router-name" />}
        </Field>
        <Field label="Project" name="project_id" error={e.project_id?.message}>
          {(p) => <input {...p} {...f.register('project_id')} data-testid="router-project" />}
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

const gatewaySchema = z.object({ network_id: required(shapes.gateway.network_id, 'External network'), ip: blank(fixedIp) });

/** Sets a router's gateway on an external network, with an optional fixed IP. */
export function GatewayForm({ router, externals }: { router: Router; externals: Network[]; subnets: Subnet[] }) {
  const f = useForm<z.input<typeof gatewaySchema>, unknown, z.output<typeof gatewaySchema>>({ resolver: zodResolver(gatewaySchema), values: { network_id: externals[0]?.id ?? '', ip: '' }, resetOptions: { keepDirtyValues: true } });
  const action = `routers.setGateway:${router.id}`;
  const submit = f.handleSubmit(async (v) => {
    const r = await act(action, 'routers.setGateway', { id: router.id, network_id: v.network_id, ...(v.ip ? { external_fixed_ips: [{ ip_address: v.ip }] } : {}) });
    if (r) f.reset(undefined, CLEAR);
  });
  const networkId = f.watch('network_id') as string;
  return (
    <form className="form inline" onSubmit={submit} noValidate data-testid="router-gateway-form" aria-label={`Set gateway of ${router.name}`}>
      <NetworkField label="External network" showProject={false} networks={externals} value={networkId} error={f.formState.errors.network_id?.message} onChange={(id) => f.setValue('network_id', id)} testId="router-gateway-network" />
      <Field label="Gateway IP (optional)" name="ip" error={f.formState.errors.ip?.message}>
        {(p) => <input {...p} {...f.register('ip')} data-testid="router-gateway-ip" placeholder="lowest free" />}
      </Field>
      <ActionButton type="submit" action={action} testId="router-gateway-set" disabled={!externals.length} title={externals.length ? undefined : 'Create an external network first'}>
        Set gateway
      </ActionButton>
    </form>
  );
}

const portSchema = z.object({
  network_id: required(shapes.port.network_id, 'Network'),
  ip: blank(fixedIp),
  name: blank(shapes.port.name.unwrap()),
  device_id: blank(shapes.port.device_id.unwrap()),
  mac_address: blank(shapes.port.mac_address.unwrap()),
});

/** A VM port (device_owner compute:nova) with an optional fixed IP. */
export function PortForm({ networks }: { networks: Network[] }) {
  const f = useForm<z.input<typeof portSchema>, unknown, z.output<typeof portSchema>>({
    resolver: zodResolver(portSchema),
    values: { network_id: networks[0]?.id ?? '', ip: '', name: '', device_id: '', mac_address: '' },
    resetOptions: { keepDirtyValues: true },
  });
  const e = f.formState.errors;
  const networkId = f.watch('network_id') as string;
  const submit = f.handleSubmit(async (v) => {
    const net = networks.find((n) => n.id === v.network_id);
    const r = await act('ports.create', 'ports.create', {
      network_id: v.network_id,
      device_owner: 'compute:nova',
      ...(v.ip ? { fixed_ips: [{ ip_address: v.ip }] } : {}),
      ...(v.name ? { name: v.name } : {}),
      ...(v.device_id ? { device_id: v.device_id } : {}),
      ...(v.mac_address ? { mac_address: v.mac_address.toLowerCase() } : {}),
      ...(net ? { project_id: net.project_id } : {}),
    });
    if (r) f.reset({ network_id: v.network_id, ip: '', name: '', device_id: '', mac_address: '' }, CLEAR);
  });
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="port-form" aria-label="Create VM port">
      <div className="form-row">
        <NetworkField networks={networks} value={networkId} error={e.network_id?.message} onChange={(id) => f.setValue('network_id', id)} testId="port-network" />
        <Field label="Fixed IP (optional)" name="ip" error={e.ip?.message}>
          {(p) => <input {...p} {...f.register('ip')} data-testid="port-ip" placeholder="lowest free" />}
        </Field>
        <Field label="Name" name="name" error={e.name?.message}>
          {(p) => <input {...p} {...f.register('name')} data-testid="port-name" />}
        </Field>
        <Field label="Device id" name="device_id" error={e.device_id?.message}>
          {(p) => <input {...p} {...f.register('device_id')} data-testid="port-device" />}
        </Field>
        <Field label="MAC address" name="mac_address" error={e.mac_address?.message}>
          {(p) => <input {...p} {...f.register('mac_address')} data-testid="port-mac" placeholder="auto" />}
        </Field>
      </div>
      <ErrorBanner action="ports.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="ports.create" testId="port-submit" variant="primary" disabled={!networks.length} title={networks.length ? undefined : 'Create a network first'}>
          Create VM port
        </ActionButton>
      </div>
    </form>
  );
}

const fipSchema = z.object({
  network_id: required(shapes.fip.floating_network_id, 'External network'),
  address: blank(shapes.fip.floating_ip_address.unwrap()),
  project_id: blank(shapes.fip.project_id.unwrap()),
  port_id: blank(z.string()),
});

/** Allocates a floating IP on an external network, optionally associating it at once. */
export function FipForm({ externals }: { externals: Network[] }) {
  const project = useApp((s) => s.project);
  const ports = useItems('ports.list');
  const routers = useItems('routers.list');
  const networks = useItems('networks.list');
  const fips = useItems('fips.list');
  const f = useForm<z.input<typeof fipSchema>, unknown, z.output<typeof fipSchema>>({
    resolver: zodResolver(fipSchema),
    values: { network_id: externals[0]?.id ?? '', address: '', project_id: project, port_id: '' },
    resetOptions: { keepDirtyValues: true },
  });
  const networkId = f.watch('network_id') as string;
  const portId = f.watch('port_id') as string;
  const typedProject = ((f.watch('project_id') as string | undefined) ?? '').trim();
  const taken = useMemo(() => new Map(fips.filter((x) => x.port_id).map((x) => [x.port_id!, x.floating_ip_address])), [fips]);
  const choices = useMemo(() => fipPortChoices({ ports, routers, ifacePorts: ports, networks, extId: networkId, taken }), [ports, routers, networks, networkId, taken]);
  const port = choices.find((c) => c.port.id === portId && !c.reason)?.port;
  const effectiveProject = typedProject || port?.project_id || '';
  const submit = f.handleSubmit(async (v) => {
    const chosen = choices.find((c) => c.port.id === v.port_id && !c.reason)?.port;
    const project_id = v.project_id ?? chosen?.project_id;
    // Never a silent "admin": a floating IP without a port needs its project said.
    if (!project_id) {
      f.setError('project_id', { message: 'Give the project, or choose a port to take its project' });
      return;
    }
    const r = await act('fips.create', 'fips.create', {
      floating_network_id: v.network_id,
      ...(v.address ? { floating_ip_address: v.address } : {}),
      project_id,
      ...(chosen ? { port_id: chosen.id } : {}),
    });
    if (r) f.reset({ network_id: v.network_id, address: '', project_id: v.project_id ?? '', port_id: '' }, CLEAR);
  });
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="fip-form" aria-label="Allocate floating IP">
      <div className="form-row">
        <NetworkField label="External network" showProject={false} networks={externals} value={networkId} error={f.formState.errors.network_id?.message} onChange={(id) => f.setValue('network_id', id)} testId="fip-network" />
        <Field label="Address (optional)" name="address" error={f.formState.errors.address?.message}>
          {(p) => <input {...p} {...f.register('address')} data-testid="fip-address" placeholder="lowest free" />}
        </Field>
        <Field label="Associate with" name="port_id" hint={choices.some((c) => c.reason) ? 'Ports no router connects to this network are shown disabled, with the reason' : undefined}>
          {(p) => (
            <select {...p} {...f.register('port_id')} data-testid="fip-port">
              <option value="">(not associated)</option>
              {choices.map((c) => (
                <option key={c.port.id} value={c.port.id} disabled={!!c.reason}>
                  {c.label}
                  {c.reason ? ` — ${c.reason}` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Project"
          name="project_id"
          error={f.formState.errors.project_id?.message}
          hint={port && !typedProject ? `Defaults to the port's project: ${port.project_id}` : port && typedProject !== port.project_id ? `The port is in ${port.project_id}` : undefined}
        >
          {(p) => <input {...p} {...f.register('project_id')} data-testid="fip-project" placeholder={port ? port.project_id : 'required without a port'} data-effective={effectiveProject} />}
        </Field>
      </div>
      <ErrorBanner action="fips.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="fips.create" testId="fip-submit" variant="primary" disabled={!externals.length} title={externals.length ? undefined : 'Create an external network first'}>
          Allocate floating IP
        </ActionButton>
      </div>
    </form>
  );
}
