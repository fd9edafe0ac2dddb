import { useMemo } from 'react';
import { EmptyState } from '../components/EmptyState';
import { RowErrors } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { PortForm } from '../components/forms/L3Forms';
import { byProject, isBridge, networkName, portIps } from '../components/lookup';
import { IdChip } from '../components/Names';
import { Pager, SortTh, usePagedList } from '../components/Table';
import { deletePort } from '../data/actions';
import { useItems } from '../data/query';
import { useApp } from '../store';
import { useTable, useTables } from '../store/tables';
import { LoadError, Section, ViewHeader } from './common';

const TABLE = 'ports';

export function Ports() {
  const project = useApp((s) => s.project);
  const networks = useItems('networks.list');
  const fips = useItems('fips.list');
  const state = useTable(TABLE, { filters: { device_owner: 'compute:nova' } });
  const patch = useTables((s) => s.patch);
  const vmOnly = state.filters.device_owner === 'compute:nova';
  const list = usePagedList(TABLE, 'ports.list', project ? { project_id: project } : {}, { sort_key: 'name', sort_dir: 'asc', filters: { device_owner: 'compute:nova' } });
  const targets = useMemo(() => byProject(networks.filter((n) => !n['router:external'] && !isBridge(n)), project), [networks, project]);
  return (
    <div className="view" data-testid="view-ports">
      <ViewHeader title="Ports" loading={list.loading}>
        <label className="toggle">
          <input type="checkbox" checked={vmOnly} onChange={(e) => patch(TABLE, { filters: { ...state.filters, device_owner: e.target.checked ? 'compute:nova' : '' } })} data-testid="ports-vm-only" /> VM ports only
        </label>
      </ViewHeader>
      <Section title="Create VM port" testId="ports-create">
        <PortForm networks={targets} />
      </Section>
      <LoadError error={list.error} testId="error-ports-load" />
      {list.loaded && !list.total ? (
        <EmptyState title={vmOnly ? 'No VM ports' : 'No ports'} testId="empty-ports">
          Create a VM port on a tenant network with a fixed IP, then associate a floating IP with it.
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="ports-table">
              <thead>
                <tr>
                  <th>Fixed IPs</th>
                  <SortTh table={TABLE} sortKey="name">
                    Name
                  </SortTh>
                  <SortTh table={TABLE} sortKey="network_id">
                    Network
                  </SortTh>
                  <SortTh table={TABLE} sortKey="device_owner">
                    Owner
                  </SortTh>
                  <SortTh table={TABLE} sortKey="mac_address">
                    MAC
                  </SortTh>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {list.rows.map((p) => {
                  const label = [portIps(p), p.name].filter(Boolean).join(' ') || p.id;
                  const own = fips.filter((f) => f.port_id === p.id).map((f) => f.floating_ip_address);
                  return [
                    <tr key={p.id} data-testid={`port-row-${portIps(p) || p.id}`} data-port-id={p.id}>
                      <td className="nowrap">
                        <code>{portIps(p) || '—'}</code>
                      </td>
                      <td>
                        <IdChip id={p.id} label={p.name} />
                      </td>
                      <td>{networkName(p.network_id, networks)}</td>
                      <td>
                        <small title={p.device_owner}>{p.device_owner.replace(/^network:/, '').replace(/_/g, ' ') || '—'}</small>
                      </td>
                      <td>
                        <small className="mono">{p.mac_address}</small>
                      </td>
                      <td className="actions">
                        <ActionButton action={`ports.delete:${p.id}`} testId="port-delete" variant="danger" onClick={() => void deletePort(p, label, own)}>
                          Delete
                        </ActionButton>
                      </td>
                    </tr>,
                    <RowErrors key={`${p.id}-err`} colSpan={6} banners={[[`ports.delete:${p.id}`, 'port-delete-error']]} />,
                  ];
                })}
              </tbody>
            </table>
          </div>
          <Pager table={TABLE} list={list} testId="ports-pager" unit="ports" />
        </>
      )}
    </div>
  );
}
