import { useMemo, useState } from 'react';
import type { Network, Subnet } from '../../shared/model';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { ExternalNetworkForm, NetworkForm, SubnetForm } from '../components/forms/NetworkForms';
import { byProject, isBridge, podsOfNetwork } from '../components/lookup';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader } from './common';

function SubnetCells({ subnets }: { subnets: Subnet[] }) {
  if (!subnets.length) return <span className="muted">no subnet</span>;
  return (
    <ul className="plain compact">
      {subnets.map((s) => (
        <li key={s.id} data-testid={`subnet-row-${s.cidr}`} data-subnet-id={s.id}>
          <code>{s.cidr}</code> <small>gw {s.gateway_ip ?? 'none'}</small>{' '}
          <small className="muted">{s.allocation_pools.map((p) => `${p.start}–${p.end}`).join(', ')}</small>
          {s.enable_dhcp && <span className="badge muted">DHCP</span>}
          <SubnetDelete subnet={s} />
        </li>
      ))}
    </ul>
  );
}

function SubnetDelete({ subnet }: { subnet: Subnet }) {
  const deleteSubnet = useApp((s) => s.deleteSubnet);
  return (
    <>
      <ActionButton action={`subnets.delete:${subnet.id}`} testId="subnet-delete" variant="ghost" onClick={() => void deleteSubnet(subnet.id)} title="Delete subnet">
        Delete
      </ActionButton>
      <ErrorBanner action={`subnets.delete:${subnet.id}`} testId="subnet-delete-error" />
    </>
  );
}

function NetworkRows({ networks, testIdPrefix }: { networks: Network[]; testIdPrefix: string }) {
  const pods = useApp((s) => s.pods.items);
  const subnets = useApp((s) => s.subnets.items);
  const deleteNetwork = useApp((s) => s.deleteNetwork);
  return (
    <table className="table" data-testid={`${testIdPrefix}-table`}>
      <thead>
        <tr>
          <th>Name</th>
          <th>Project</th>
          <th>Pods</th>
          <th>Subnets</th>
          <th aria-label="Actions" />
        </tr>
      </thead>
      <tbody>
        {networks.map((n) => {
          const inPods = podsOfNetwork(n, pods);
          const vlan = n['provider:segmentation_id'];
          return (
            <tr key={n.id} data-testid={`${testIdPrefix}-row-${n.name || n.id}`} data-network-id={n.id}>
              <td>
                <strong>{n.name || n.id}</strong>
                {isBridge(n) && <span className="badge">bridge{vlan != null ? ` · VLAN ${vlan}` : ''}</span>}
                <div>
                  <small className="muted mono">{n.id}</small>
                </div>
              </td>
              <td>{n.project_id}</td>
              <td>{inPods.length ? inPods.map((p) => p.region_name).join(', ') : <span className="muted">{n.availability_zone_hints.join(', ') || '—'}</span>}</td>
              <td>
                <SubnetCells subnets={subnets.filter((s) => s.network_id === n.id)} />
              </td>
              <td className="row-actions">
                <ActionButton action={`networks.delete:${n.id}`} testId="network-delete" variant="danger" onClick={() => void deleteNetwork(n.id)}>
                  Delete
                </ActionButton>
                <ErrorBanner action={`networks.delete:${n.id}`} testId="network-delete-error" />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function ExternalNetworks() {
  const networks = useApp((s) => s.networks);
  const pods = useApp((s) => s.pods.items);
  const externals = useMemo(() => networks.items.filter((n) => n['router:external']), [networks.items]);
  return (
    <div className="view" data-testid="view-external">
      <ViewHeader title="External networks" loading={networks.loading} />
      <Section title="Create external network" testId="external-create">
        {!pods.some((p) => !p.is_top) && <p className="hint">Create a bottom pod first; an external network lives in exactly one pod.</p>}
        <ExternalNetworkForm />
      </Section>
      <LoadError error={networks.error} testId="error-networks-load" />
      {networks.loaded && !externals.length ? (
        <EmptyState title="No external networks" testId="empty-external">
          Create one in the pod that reaches the outside (ext-net in Pod2, 162.3.124.0/24), then set it as a router's gateway.
        </EmptyState>
      ) : (
        <NetworkRows networks={externals} testIdPrefix="external" />
      )}
    </div>
  );
}

export function Networks() {
  const networks = useApp((s) => s.networks);
  const project = useApp((s) => s.project);
  const [showBridges, setShowBridges] = useState(false);
  const tenant = useMemo(
    () => byProject(networks.items.filter((n) => !n['router:external'] && (showBridges || !isBridge(n))), project),
    [networks.items, project, showBridges],
  );
  const subnetTargets = useMemo(() => byProject(networks.items.filter((n) => !isBridge(n)), project), [networks.items, project]);
  return (
    <div className="view" data-testid="view-networks">
      <ViewHeader title="Networks & subnets" loading={networks.loading}>
        <label className="toggle">
          <input type="checkbox" checked={showBridges} onChange={(e) => setShowBridges(e.target.checked)} data-testid="networks-show-bridges" /> show bridge networks
        </label>
      </ViewHeader>
      <div className="two-col">
        <Section title="Create network" testId="networks-create">
          <NetworkForm />
        </Section>
        <Section title="Create subnet" testId="subnets-create">
          <SubnetForm networks={subnetTargets} />
        </Section>
      </div>
      <LoadError error={networks.error} testId="error-networks-load" />
      {networks.loaded && !tenant.length ? (
        <EmptyState title="No networks" testId="empty-networks">
          Create a network with an availability zone (net1 in az1), then give it a subnet (10.0.1.0/24).
        </EmptyState>
      ) : (
        <NetworkRows networks={tenant} testIdPrefix="network" />
      )}
    </div>
  );
}
