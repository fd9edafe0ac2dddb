import { zodResolver } from '@hookform/resolvers/zod';
import { useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import type { Network } from '../../../shared/model';
import { act } from '../../data/actions';
import { useItems } from '../../data/query';
import { useApp } from '../../store';
import { ErrorBanner } from '../ErrorBanner';
import { ActionButton, Field } from '../Form';
import { NetworkField } from './NetworkField';
import { CLEAR, blank, required, shapes } from './schema';

const poolEnd = shapes.externalSubnet.allocation_pools.unwrap().element.shape.end;
const externalSchema = z
  .object({
    name: required(shapes.external.name, 'Name'),
    region_name: required(shapes.external.region_name, 'Pod'),
    project_id: required(shapes.external.project_id, 'Project'),
    cidr: required(shapes.externalSubnet.cidr, 'CIDR'),
    gateway_ip: blank(shapes.externalSubnet.gateway_ip.unwrap().unwrap()),
    pool_start: blank(poolEnd),
    pool_end: blank(poolEnd),
  })
  .refine((v) => !v.pool_start === !v.pool_end, { message: 'Give both ends of the pool', path: ['pool_end'] });

/** An external network in one pod (router:external, hinted to the pod's region) with its subnet: one engine operation. */
export function ExternalNetworkForm() {
  const pods = useItems('pods.list');
  const project = useApp((s) => s.project);
  const bottomPods = useMemo(() => pods.filter((p) => !p.is_top), [pods]);
  const f = useForm<z.input<typeof externalSchema>, unknown, z.output<typeof externalSchema>>({
    resolver: zodResolver(externalSchema),
    values: { name: '', region_name: bottomPods[0]?.region_name ?? '', project_id: project, cidr: '', gateway_ip: '', pool_start: '', pool_end: '' },
    resetOptions: { keepDirtyValues: true },
  });
  const e = f.formState.errors;
  const submit = f.handleSubmit(async (v) => {
    const r = await act('external.create', 'networks.createExternal', {
      name: v.name,
      project_id: v.project_id,
      region_name: v.region_name,
      subnet: {
        cidr: v.cidr,
        ...(v.gateway_ip ? { gateway_ip: v.gateway_ip } : {}),
        ...(v.pool_start && v.pool_end ? { allocation_pools: [{ start: v.pool_start, end: v.pool_end }] } : {}),
      },
    });
    if (r) f.reset({ name: '', region_name: v.region_name, project_id: v.project_id, cidr: '', gateway_ip: '', pool_start: '', pool_end: '' }, CLEAR);
  });

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="external-form" aria-label="Create external network">
      <div className="form-row">
        <Field label="Name" name="name" error={e.name?.message}>
          {(p) => <input {...p} {...f.register('name')} data-testid="external-name" />}
        </Field>
        <Field label="Pod" name="region_name" error={e.region_name?.message}>
          {(p) => (
            <select {...p} {...f.register('region_name')} data-testid="external-pod">
              {bottomPods.map((pod) => (
                <option key={pod.pod_id} value={pod.region_name}>
                  {pod.region_name}
                  {pod.az_name ? ` (${pod.az_name})` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Project" name="project_id" error={e.project_id?.message} hint="Usually the cloud admin's project">
          {(p) => <input {...p} {...f.register('project_id')} data-testid="external-project" />}
        </Field>
        <Field label="Subnet CIDR" name="cidr" error={e.cidr?.message}>
          {(p) => <input {...p} {...f.register('cidr')} data-testid="external-cidr" />}
        </Field>
        <Field label="Gateway IP" name="gateway_ip" error={e.gateway_ip?.message} hint="Default: the first address">
          {(p) => <input {...p} {...f.register('gateway_ip')} data-testid="external-gateway" />}
        </Field>
        <Field label="Pool start" name="pool_start" error={e.pool_start?.message}>
          {(p) => <input {...p} {...f.register('pool_start')} data-testid="external-pool-start" />}
        </Field>
        <Field label="Pool end" name="pool_end" error={e.pool_end?.message}>
          {(p) => <input {...p} {...f.register('pool_end')} data-testid="external-pool-end" />}
        </Field>
      </div>
      <ErrorBanner action="external.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="external.create" testId="external-submit" variant="primary" disabled={!bottomPods.length} title={bottomPods.length ? undefined : 'Create a bottom pod first'}>
          Create external network
        </ActionButton>
      </div>
    </form>
  );
}

const networkSchema = z.object({
  name: required(shapes.network.name.unwrap(), 'Name'),
  project_id: required(shapes.network.project_id, 'Project'),
  az: blank(z.string()),
});

/** A tenant network, placed by an AZ hint. */
export function NetworkForm() {
  const pods = useItems('pods.list');
  const project = useApp((s) => s.project);
  const azs = useMemo(() => [...new Set(pods.filter((p) => !p.is_top && p.az_name).map((p) => p.az_name))], [pods]);
  const f = useForm<z.input<typeof networkSchema>, unknown, z.output<typeof networkSchema>>({
    resolver: zodResolver(networkSchema),
    values: { name: '', project_id: project, az: '' },
    resetOptions: { keepDirtyValues: true },
  });
  const e = f.formState.errors;
  const submit = f.handleSubmit(async (v) => {
    const r = await act('networks.create', 'networks.create', { name: v.name, project_id: v.project_id, ...(v.az ? { availability_zone_hints: [v.az] } : {}) });
    if (r) f.reset({ name: '', project_id: v.project_id, az: v.az ?? '' }, CLEAR);
  });
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="network-form" aria-label="Create network">
      <div className="form-row">
        <Field label="Name" name="name" error={e.name?.message}>
          {(p) => <input {...p} {...f.register('name')} data-testid="network-name" />}
        </Field>
        <Field label="Project" name="project_id" error={e.project_id?.message}>
          {(p) => <input {...p} {...f.register('project_id')} data-testid="network-project" />}
        </Field>
        <Field label="Availability zone" name="az">
          {(p) => (
            <select {...p} {...f.register('az')} data-testid="network-az">
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

const subnetSchema = z.object({
  network_id: required(shapes.subnet.network_id, 'Network'),
  cidr: required(shapes.subnet.cidr, 'CIDR'),
  name: blank(shapes.subnet.name.unwrap()),
  gateway_ip: blank(shapes.subnet.gateway_ip.unwrap().unwrap()),
  enable_dhcp: shapes.subnet.enable_dhcp.unwrap(),
});

export function SubnetForm({ networks }: { networks: Network[] }) {
  const f = useForm<z.input<typeof subnetSchema>, unknown, z.output<typeof subnetSchema>>({
    resolver: zodResolver(subnetSchema),
    values: { network_id: networks[0]?.id ?? '', cidr: '', name: '', gateway_ip: '', enable_dhcp: true },
    resetOptions: { keepDirtyValues: true },
  });
  const e = f.formState.errors;
  const networkId = f.watch('network_id') as string;
  const submit = f.handleSubmit(async (v) => {
    const net = networks.find((n) => n.id === v.network_id);
    const r = await act('subnets.create', 'subnets.create', {
      network_id: v.network_id,
      cidr: v.cidr,
      enable_dhcp: v.enable_dhcp,
      ...(v.name ? { name: v.name } : {}),
      ...(v.gateway_ip ? { gateway_ip: v.gateway_ip } : {}),
      ...(net ? { project_id: net.project_id } : {}),
    });
    if (r) f.reset({ network_id: v.network_id, cidr: '', name: '', gateway_ip: '', enable_dhcp: true }, CLEAR);
  });
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="subnet-form" aria-label="Create subnet">
      <div className="form-row">
        <NetworkField networks={networks} value={networkId} error={e.network_id?.message} onChange={(id) => f.setValue('network_id', id)} testId="subnet-network" />
        <Field label="CIDR" name="cidr" error={e.cidr?.message}>
          {(p) => <input {...p} {...f.register('cidr')} data-testid="subnet-cidr" />}
        </Field>
        <Field label="Name" name="name" error={e.name?.message}>
          {(p) => <input {...p} {...f.register('name')} data-testid="subnet-name" />}
        </Field>
        <Field label="Gateway IP" name="gateway_ip" error={e.gateway_ip?.message} hint="Default: the first address">
          {(p) => <input {...p} {...f.register('gateway_ip')} data-testid="subnet-gateway" />}
        </Field>
        <Field label="DHCP" name="enable_dhcp">
          {(p) => <input {...p} type="checkbox" {...f.register('enable_dhcp')} data-testid="subnet-dhcp" />}
        </Field>
      </div>
      <ErrorBanner action="subnets.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="subnets.create" testId="subnet-submit" variant="primary" disabled={!networks.length} title={networks.length ? undefined : 'Create a network first'}>
          Create subnet
        </ActionButton>
      </div>
    </form>
  );
}
