import { useMemo } from 'react';
import type { Network, Subnet } from '../../shared/model';
import { EmptyState } from '../components/EmptyState';
import { RowErrors } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { ExternalNetworkForm, NetworkForm, SubnetForm } from '../components/forms/NetworkForms';
import { byProject, isBridge, podsOfNetwork } from '../components/lookup';
import { IdChip } from '../components/Names';
import { Pager, SortTh, usePagedList } from '../components/Table';
import { deleteNetwork, deleteSubnet } from '../data/actions';
import { useCall, useItems } from '../data/query';
import { useApp } from '../store';
import { useTable, useTables } from '../store/tables';
import { LoadError, Section, ViewHeader } from './common';

function SubnetCells({ subnets, network, deletable }: { subnets: Subnet[]; network: Network; deletable: boolean }) {
  if (!subnets.length) return <span className="muted">no subnet</span>;
  return (
    <ul className="plain compact">
      {subnets.map((s) => (
        <li key={s.id} data-testid={`subnet-row-${s.cidr}`} data-subnet-id={s.id}>
          <code>{s.cidr}</code> <small>gw {s.gateway_ip ?? 'none'}</small> <small className="muted">{s.allocation_pools.map((p) => `${p.start}–${p.end}`).join(', ')}</small>
          {s.enable_dhcp && <span className="badge muted">DHCP</span>}
          {deletable && (
            <ActionButton action={`subnets.delete:${s.id}`} testId="subnet-delete" variant="ghost" onClick={() => void deleteSubnet(s, network.name || network.id)} title={`Delete subnet ${s.cidr}`}>
              Delete subnet
            </ActionButton>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Where a network is: its hints' pods, or for a bridge the pods that hold a copy (routing rows). */
function PodsCell({ n }: { n: Network }) {
  const pods = useItems('pods.list');
  const bridge = isBridge(n);
  const rows = useCall('routings.list', { top_id: n.id, resource_type: 'network', limit: 200 }, { enabled: bridge });
  const names = bridge
    ? (rows.data?.items ?? []).map((r) => pods.find((p) => p.pod_id === r.pod_id)?.region_name ?? r.pod_id)
    : podsOfNetwork(n, pods).map((p) => p.region_name);
  if (names.length) return <span data-testid="network-pods">{[...new Set(names)].sort().join(', ')}</span>;
  return <span className="muted">{n.availability_zone_hints.join(', ') || 'where it is used'}</span>;
}

function NetworkRows({ networks, testIdPrefix, external }: { networks: Network[]; testIdPrefix: string; external: boolean }) {
  const subnets = useItems('subnets.list');
  const cols = 5;
  return (
    <>
      {networks.map((n) => {
        const vlan = n['provider:segmentation_id'];
        const own = subnets.filter((s) => s.network_id === n.id);
        return [
          <tr key={n.id} data-testid={`${testIdPrefix}-row-${n.name || n.id}`} data-network-id={n.id}>
            <td>
              <strong>
                <IdChip id={n.id} label={n.name} />
              </strong>
              {isBridge(n) && <span className="badge">bridge{vlan != null ? ` · VLAN ${vlan}` : ''}</span>}
            </td>
            <td>{n.project_id}</td>
            <td>
              <PodsCell n={n} />
            </td>
            <td>
              <SubnetCells subnets={own} network={n} deletable={!external && !isBridge(n)} />
            </td>
            <td className="actions">
              {!isBridge(n) && (
                <ActionButton action={`networks.delete:${n.id}`} testId="network-delete" variant="danger" onClick={() => void deleteNetwork(n, own)} title={external ? 'Deletes the network with its subnet' : undefined}>
                  Delete
                </ActionButton>
              )}
            </td>
          </tr>,
          <RowErrors
            key={`${n.id}-err`}
            colSpan={cols}
            banners={[[`networks.delete:${n.id}`, 'network-delete-error'], ...own.map((s) => [`subnets.delete:${s.id}`, 'subnet-delete-error'] as [string, string])]}
          />,
        ];
      })}
    </>
  );
}

function NetworkTable({ table, fixed, testIdPrefix, external, empty }: { table: string; fixed: Record<string, unknown>; testIdPrefix: string; external: boolean; empty: React.ReactNode }) {
  const list = usePagedList(table, 'networks.list', fixed, { sort_key: 'name', sort_dir: 'asc' });
  return (
    <>
      <LoadError error={list.error} testId="error-networks-load" />
      {list.loaded && !list.total ? (
        empty
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid={`${testIdPrefix}-table`}>
              <thead>
                <tr>
                  <SortTh table={table} sortKey="name">
                    Name
                  </SortTh>
                  <SortTh table={table} sortKey="project_id">
                    Project
                  </SortTh>
                  <th>Pods</th>
                  <th>Subnets</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                <NetworkRows networks={list.rows} testIdPrefix={testIdPrefix} external={external} />
              </tbody>
            </table>
          </div>
          <Pager table={table} list={list} testId={`${testIdPrefix}-pager`} unit="networks" />
        </>
      )}
    </>
  );
}

export function ExternalNetworks() {
  const pods = useItems('pods.list');
  return (
    <div className="view" data-testid="view-external">
      <ViewHeader title="External networks" />
      <Section title="Create external network" testId="external-create">
        {!pods.some((p) => !p.is_top) && <p className="hint">Create a bottom pod first; an external network lives in exactly one pod.</p>}
        <ExternalNetworkForm />
      </Section>
      <NetworkTable
        table="external"
        fixed={{ 'router:external': true }}
        testIdPrefix="external"
        external
        empty={
          <EmptyState title="No external networks" testId="empty-external">
            Create one in the pod that reaches the outside (for example 162.3.124.0/24 in the pod with the uplink), then set it as a router's gateway.
          </EmptyState>
        }
      />
    </div>
  );
}

export function Networks() {
  const project = useApp((s) => s.project);
  const state = useTable('networks');
  const patch = useTables((s) => s.patch);
  const showBridges = state.filters['crosspod:bridge'] === undefined && !!state.filters.show_bridges;
  const all = useItems('networks.list', { 'router:external': false });
  const subnetTargets = useMemo(() => byProject(all.filter((n) => !isBridge(n)), project), [all, project]);
  const fixed = { 'router:external': false, ...(showBridges ? {} : { 'crosspod:bridge': null }), ...(project ? { project_id: project } : {}), show_bridges: undefined };
  return (
    <div className="view" data-testid="view-networks">
      <ViewHeader title="Networks & subnets">
        <label className="toggle">
          <input type="checkbox" checked={showBridges} onChange={(e) => patch('networks', { filters: { show_bridges: e.target.checked } })} data-testid="networks-show-bridges" /> show bridge networks
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
      <NetworkTable
        table="networks"
        fixed={fixed}
        testIdPrefix="network"
        external={false}
        empty={
          <EmptyState title="No networks" testId="empty-networks">
            Create a network with an availability zone, then give it a subnet.
          </EmptyState>
        }
      />
    </div>
  );
}
