import { useEffect, useState } from 'react';
import { EmptyState } from '../components/EmptyState';
import { useApp } from '../store';
import { LoadError, ViewHeader, when } from './common';

const TYPES = ['', 'network', 'subnet', 'port', 'router', 'subnetpool', 'floatingip'];

export function Pager({ page, hasNext, onPrev, onNext, testId }: { page: number; hasNext: boolean; onPrev: () => void; onNext: () => void; testId: string }) {
  return (
    <nav className="pager" aria-label="Pages" data-testid={testId}>
      <button type="button" className="btn ghost" disabled={page <= 1} onClick={onPrev} data-testid={`${testId}-prev`}>
        ← Previous
      </button>
      <span data-testid={`${testId}-page`}>page {page}</span>
      <button type="button" className="btn ghost" disabled={!hasNext} onClick={onNext} data-testid={`${testId}-next`}>
        Next →
      </button>
    </nav>
  );
}

export function Routings() {
  const routings = useApp((s) => s.routings);
  const pods = useApp((s) => s.pods.items);
  const loadRoutings = useApp((s) => s.loadRoutings);
  const setQuery = useApp((s) => s.setRoutingQuery);
  const page = useApp((s) => s.routingsPage);
  const [project, setProject] = useState(routings.query.project_id);
  useEffect(() => void loadRoutings(), [loadRoutings]);
  const q = routings.query;
  const podName = (id: string) => pods.find((p) => p.pod_id === id)?.region_name ?? id.slice(0, 8);
  return (
    <div className="view" data-testid="view-routings">
      <ViewHeader title="Routing table" loading={routings.loading} />
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void setQuery({ project_id: project.trim() });
        }}
        aria-label="Filter routing table"
      >
        <label htmlFor="rt-pod">Pod</label>
        <select id="rt-pod" value={q.pod_id} onChange={(e) => void setQuery({ pod_id: e.target.value })} data-testid="routings-filter-pod">
          <option value="">all</option>
          {pods.map((p) => (
            <option key={p.pod_id} value={p.pod_id}>
              {p.region_name}
            </option>
          ))}
        </select>
        <label htmlFor="rt-type">Type</label>
        <select id="rt-type" value={q.resource_type} onChange={(e) => void setQuery({ resource_type: e.target.value })} data-testid="routings-filter-type">
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t || 'all'}
            </option>
          ))}
        </select>
        <label htmlFor="rt-project">Project</label>
        <input id="rt-project" value={project} onChange={(e) => setProject(e.target.value)} onBlur={() => void setQuery({ project_id: project.trim() })} data-testid="routings-filter-project" placeholder="any" />
        <label htmlFor="rt-limit">Per page</label>
        <select id="rt-limit" value={q.limit} onChange={(e) => void setQuery({ limit: Number(e.target.value) })} data-testid="routings-limit">
          {[10, 25, 50, 100].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </form>
      <LoadError error={routings.error} testId="error-routings-load" />
      {routings.loaded && !routings.items.length ? (
        <EmptyState title="No routing rows" testId="empty-routings">
          Rows map top resources to their bottom copies; they appear when a router interface is added or a floating IP is associated.
        </EmptyState>
      ) : (
        <table className="table" data-testid="routings-table">
          <thead>
            <tr>
              <th>#</th>
              <th>Type</th>
              <th>Top id</th>
              <th>Bottom id</th>
              <th>Pod</th>
              <th>Project</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {routings.items.map((r) => (
              <tr key={r.id} data-testid={`routing-row-${r.id}`}>
                <td>{r.id}</td>
                <td>{r.resource_type}</td>
                <td>
                  <code>{r.top_id}</code>
                </td>
                <td>{r.bottom_id ? <code>{r.bottom_id}</code> : <span className="badge muted">pending</span>}</td>
                <td>{podName(r.pod_id)}</td>
                <td>{r.project_id ?? ''}</td>
                <td>
                  <small>{when(r.created_at)}</small>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={routings.markers.length} hasNext={!!routings.next_marker} onPrev={() => void page('prev')} onNext={() => void page('next')} testId="routings-pager" />
    </div>
  );
}
