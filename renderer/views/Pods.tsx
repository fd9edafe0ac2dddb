import { useState } from 'react';
import type { Pod } from '../../shared/model';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { PodForm } from '../components/forms/PodForm';
import { act, destructive } from '../data/actions';
import { loadError, useCall, useItems } from '../data/query';
import { useApp } from '../store';
import { getClient } from '../store/client-ref';
import { LoadError, Section, ViewHeader } from './common';

/** What still holds a pod (POD_IN_USE), read from the pod itself, and the way out. */
function PodContents({ pod }: { pod: Pod }) {
  const snap = useCall('lab.topology', {});
  const routers = useItems('routers.list');
  const setView = useApp((s) => s.setView);
  const b = snap.data?.bottoms.find((x) => x.pod_id === pod.pod_id);
  if (!b) return null;
  const routerName = (top: string | null) => routers.find((r) => r.id === top)?.name || top || 'unknown';
  const bridges = b.networks.filter((n) => n.bridge);
  const tenant = b.networks.filter((n) => !n.bridge);
  return (
    <div className="hint" data-testid="pod-contents">
      <p>
        <strong>Still in {pod.region_name}:</strong>
      </p>
      <ul className="plain compact">
        {b.routers.map((r) => (
          <li key={r.id}>
            copy of router <strong>{routerName(r.top_id)}</strong>: remove its interfaces and gateway in {pod.region_name}, or delete the router
          </li>
        ))}
        {bridges.map((n) => (
          <li key={n.id}>
            bridge network {n.cidrs.join(', ')}
            {n.vlan != null ? ` (VLAN ${n.vlan})` : ''}: goes with the project's last cross-pod router
          </li>
        ))}
        {tenant.map((n) => (
          <li key={n.id}>
            network copy {n.cidrs.join(', ') || n.name}: delete its ports and the network
          </li>
        ))}
      </ul>
      <div className="row-actions">
        <button type="button" className="btn" onClick={() => setView('routers')} data-testid="pod-contents-routers">
          Open routers
        </button>
        <button type="button" className="btn ghost" onClick={() => setView('networks')}>
          Open networks
        </button>
      </div>
    </div>
  );
}

function deletePod(p: Pod) {
  return destructive({
    key: `pods.delete:${p.pod_id}`,
    title: `Delete pod ${p.region_name}${p.az_name ? ` (${p.az_name})` : ''}`,
    lines: ['Crosspod forgets the region; nothing in it is deleted. A pod that still holds Crosspod resources is refused.'],
    confirmLabel: 'Delete pod',
    run: () => getClient().call('pods.delete', { pod_id: p.pod_id }),
    done: `Deleted pod ${p.region_name}`,
  });
}

export function Pods() {
  const q = useCall('pods.list', { limit: 200 });
  const pods = q.data?.items ?? [];
  const connection = useApp((s) => s.connection);
  const setConnection = useApp((s) => s.setConnection);
  const errors = useApp((s) => s.errors);
  const [editing, setEditing] = useState<string | null>(null);
  const hasTop = pods.some((p) => p.is_top);
  const test = async (pod_id: string) => {
    const r = await act(`pods.testConnection:${pod_id}`, 'pods.testConnection', { pod_id });
    if (r) setConnection(pod_id, r);
  };

  return (
    <div className="view" data-testid="view-pods">
      <ViewHeader title="Pods" loading={q.isFetching} />
      <Section title="Create pod" testId="pods-create">
        {!hasTop && q.data && <p className="hint">Create the top pod first: a region name and no AZ.</p>}
        <PodForm topFirst={!hasTop} />
      </Section>
      <LoadError error={loadError(q)} testId="error-pods-load" />
      {q.data && !pods.length ? (
        <EmptyState title="No pods" testId="empty-pods">
          Create the top pod (a region name, no AZ), then one pod per region with its AZ.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="pods-table">
            <thead>
              <tr>
                <th>Region</th>
                <th>AZ</th>
                <th>Pod AZ</th>
                <th>DC</th>
                <th>Driver</th>
                <th>Connection</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {pods.map((p) => {
                const conn = connection[p.pod_id];
                return [
                  <tr key={p.pod_id} data-testid={`pod-row-${p.region_name}`} data-pod-id={p.pod_id}>
                    <td>
                      <strong>{p.region_name}</strong> {p.is_top && <span className="badge">top</span>}
                    </td>
                    <td>{p.az_name}</td>
                    <td>{p.pod_az_name}</td>
                    <td>{p.dc_name}</td>
                    <td>
                      {p.driver}
                      {p.driver_config?.endpoint ? <small className="muted"> {p.driver_config.endpoint}</small> : null}
                    </td>
                    <td data-testid="pod-connection">
                      {conn ? (
                        <span className={`health ${conn.reachable && conn.auth !== 'failed' ? 'ok' : 'bad'}`}>
                          {conn.reachable ? `reachable, auth ${conn.auth}` : 'unreachable'}
                          {conn.reachable && (
                            <small>
                              {' '}
                              · router {conn.extensions.router ? '✓' : '✗'} · external-net {conn.extensions['external-net'] ? '✓' : '✗'} · extraroute {conn.extensions.extraroute ? '✓' : '✗'}
                            </small>
                          )}
                          {conn.error && <code className="error-code"> {conn.error.code}</code>}
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="actions">
                      <div className="row-actions">
                        <ActionButton action={`pods.testConnection:${p.pod_id}`} testId="pod-test" variant="ghost" onClick={() => void test(p.pod_id)}>
                          Test connection
                        </ActionButton>
                        <button type="button" className="btn ghost" data-testid="pod-edit" onClick={() => setEditing(editing === p.pod_id ? null : p.pod_id)}>
                          Edit
                        </button>
                        <ActionButton action={`pods.delete:${p.pod_id}`} testId="pod-delete" variant="danger" onClick={() => void deletePod(p)}>
                          Delete
                        </ActionButton>
                      </div>
                    </td>
                  </tr>,
                  <tr key={`${p.pod_id}-msg`} className="row-detail">
                    <td colSpan={7}>
                      <ErrorBanner action={`pods.delete:${p.pod_id}`} testId="pod-row-error" />
                      {errors[`pods.delete:${p.pod_id}`]?.code === 'POD_IN_USE' && <PodContents pod={p} />}
                      <ErrorBanner action={`pods.testConnection:${p.pod_id}`} testId="pod-test-error" />
                      {editing === p.pod_id && <PodForm pod={p} onDone={() => setEditing(null)} />}
                    </td>
                  </tr>,
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
