import { useMemo } from 'react';
import { EmptyState } from '../components/EmptyState';
import { portIps } from '../components/lookup';
import { IdChip } from '../components/Names';
import { Pager, SortTh, useFilter, usePagedList } from '../components/Table';
import { useItems } from '../data/query';
import { LoadError, ViewHeader, when } from './common';

const TABLE = 'routings';
const TYPES = ['', 'network', 'subnet', 'port', 'router', 'subnetpool', 'floatingip'];

/** Names of top resources by id, for the routing table (name, else address). */
function useTopNames(): Map<string, string> {
  const networks = useItems('networks.list');
  const subnets = useItems('subnets.list');
  const routers = useItems('routers.list');
  const ports = useItems('ports.list');
  const fips = useItems('fips.list');
  return useMemo(() => {
    const m = new Map<string, string>();
    for (const n of networks) m.set(n.id, n.name);
    for (const s of subnets) m.set(s.id, `${s.name ? `${s.name} ` : ''}${s.cidr}`);
    for (const r of routers) m.set(r.id, r.name);
    for (const p of ports) m.set(p.id, [p.name, portIps(p)].filter(Boolean).join(' '));
    for (const f of fips) m.set(f.id, f.floating_ip_address);
    return m;
  }, [networks, subnets, routers, ports, fips]);
}

export function Routings() {
  const list = usePagedList(TABLE, 'routings.list', {}, { limit: 25 });
  const pods = useItems('pods.list');
  const names = useTopNames();
  const [pod, setPod] = useFilter(TABLE, 'pod_id');
  const [type, setType] = useFilter(TABLE, 'resource_type');
  const [project, setProject] = useFilter(TABLE, 'project_id');
  const podName = (id: string) => pods.find((p) => p.pod_id === id)?.region_name ?? id.slice(0, 8);
  return (
    <div className="view" data-testid="view-routings">
      <ViewHeader title="Routing table" loading={list.loading} />
      <form className="toolbar" onSubmit={(e) => e.preventDefault()} aria-label="Filter routing table">
        <label htmlFor="rt-pod">Pod</label>
        <select id="rt-pod" value={pod} onChange={(e) => setPod(e.target.value)} data-testid="routings-filter-pod">
          <option value="">all</option>
          {pods.map((p) => (
            <option key={p.pod_id} value={p.pod_id}>
              {p.region_name}
            </option>
          ))}
        </select>
        <label htmlFor="rt-type">Type</label>
        <select id="rt-type" value={type} onChange={(e) => setType(e.target.value)} data-testid="routings-filter-type">
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t || 'all'}
            </option>
          ))}
        </select>
        <label htmlFor="rt-project">Project</label>
        <input id="rt-project" defaultValue={project} onBlur={(e) => setProject(e.target.value.trim())} onKeyDown={(e) => e.key === 'Enter' && setProject(e.currentTarget.value.trim())} data-testid="routings-filter-project" placeholder="any" />
      </form>
      <LoadError error={list.error} testId="error-routings-load" />
      {list.loaded && !list.total ? (
        <EmptyState title="No routing rows" testId="empty-routings">
          Rows map top resources to their bottom copies; they appear when a router interface is added or a floating IP is associated.
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="routings-table">
              <thead>
                <tr>
                  <SortTh table={TABLE} sortKey="id">
                    #
                  </SortTh>
                  <SortTh table={TABLE} sortKey="resource_type">
                    Type
                  </SortTh>
                  <th>Top resource</th>
                  <th>Bottom id</th>
                  <SortTh table={TABLE} sortKey="pod_id">
                    Pod
                  </SortTh>
                  <SortTh table={TABLE} sortKey="project_id">
                    Project
                  </SortTh>
                  <SortTh table={TABLE} sortKey="created_at">
                    Created
                  </SortTh>
                </tr>
              </thead>
              <tbody>
                {list.rows.map((r) => (
                  <tr key={r.id} data-testid={`routing-row-${r.id}`}>
                    <td>{r.id}</td>
                    <td>{r.resource_type}</td>
                    <td data-testid="routing-top">
                      <IdChip id={r.top_id} label={names.get(r.top_id)} />
                    </td>
                    <td>{r.bottom_id ? <IdChip id={r.bottom_id} label={`${r.bottom_id.slice(0, 8)}…`} /> : <span className="badge muted">pending</span>}</td>
                    <td>{podName(r.pod_id)}</td>
                    <td>{r.project_id ?? ''}</td>
                    <td>
                      <small>{when(r.created_at)}</small>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager table={TABLE} list={list} testId="routings-pager" unit="routing rows" />
        </>
      )}
    </div>
  );
}
