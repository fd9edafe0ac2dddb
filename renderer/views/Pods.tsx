import { useState } from 'react';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { PodForm } from '../components/forms/PodForm';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader } from './common';

export function Pods() {
  const pods = useApp((s) => s.pods);
  const connection = useApp((s) => s.connection);
  const deletePod = useApp((s) => s.deletePod);
  const testConnection = useApp((s) => s.testConnection);
  const [editing, setEditing] = useState<string | null>(null);
  const hasTop = pods.items.some((p) => p.is_top);

  return (
    <div className="view" data-testid="view-pods">
      <ViewHeader title="Pods" loading={pods.loading} />
      <Section title="Create pod" testId="pods-create">
        {!hasTop && pods.loaded && <p className="hint">Create the top pod first: a region name and no AZ (RegionOne).</p>}
        <PodForm />
      </Section>
      <LoadError error={pods.error} testId="error-pods-load" />
      {pods.loaded && !pods.items.length ? (
        <EmptyState title="No pods" testId="empty-pods">
          Create the top pod (e.g. RegionOne, no AZ), then one pod per region with its AZ (Pod1 / az1).
        </EmptyState>
      ) : (
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
            {pods.items.map((p) => {
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
                            · router {conn.extensions.router ? '✓' : '✗'} · external-net {conn.extensions['external-net'] ? '✓' : '✗'} · extraroute{' '}
                            {conn.extensions.extraroute ? '✓' : '✗'}
                          </small>
                        )}
                        {conn.error && <code className="error-code"> {conn.error.code}</code>}
                      </span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="row-actions">
                    <ActionButton action={`pods.testConnection:${p.pod_id}`} testId="pod-test" variant="ghost" onClick={() => void testConnection(p.pod_id)}>
                      Test connection
                    </ActionButton>
                    <button type="button" className="btn ghost" data-testid="pod-edit" onClick={() => setEditing(editing === p.pod_id ? null : p.pod_id)}>
                      Edit
                    </button>
                    <ActionButton action={`pods.delete:${p.pod_id}`} testId="pod-delete" variant="danger" onClick={() => void deletePod(p.pod_id)}>
                      Delete
                    </ActionButton>
                  </td>
                </tr>,
                <tr key={`${p.pod_id}-msg`} className="row-detail">
                  <td colSpan={7}>
                    <ErrorBanner action={`pods.delete:${p.pod_id}`} testId="pod-row-error" />
                    <ErrorBanner action={`pods.testConnection:${p.pod_id}`} testId="pod-test-error" />
                    {editing === p.pod_id && <PodForm pod={p} onDone={() => setEditing(null)} />}
                  </td>
                </tr>,
              ];
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
