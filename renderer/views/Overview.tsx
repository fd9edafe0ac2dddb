import { useEffect, useMemo } from 'react';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader, when } from './common';

export function LoadExampleButton({ variant = 'primary' }: { variant?: 'primary' | 'ghost' }) {
  const loadExample = useApp((s) => s.loadExample);
  return (
    <ActionButton action="lab.loadExample" testId="load-example" variant={variant} onClick={() => void loadExample()} title="Builds the reference's worked example: three pods, ext-net in Pod2, net1 in az1, a router and a floating IP">
      Load example lab
    </ActionButton>
  );
}

export function Overview() {
  const pods = useApp((s) => s.pods);
  const jobs = useApp((s) => s.jobs);
  const topology = useApp((s) => s.topology);
  const audit = useApp((s) => s.audit);
  const connection = useApp((s) => s.connection);
  const testConnection = useApp((s) => s.testConnection);
  const loadTopology = useApp((s) => s.loadTopology);
  const loadAudit = useApp((s) => s.loadAudit);
  const setView = useApp((s) => s.setView);

  useEffect(() => {
    void loadTopology();
    void loadAudit();
  }, [loadTopology, loadAudit]);

  const counts = useMemo(() => {
    const m = new Map<string, { networks: number; routers: number; fips: number }>();
    for (const b of topology.snapshot?.bottoms ?? []) {
      m.set(b.pod_id, { networks: b.networks.length, routers: b.routers.length, fips: b.floatingips.length });
    }
    return m;
  }, [topology.snapshot]);
  const recentJobs = jobs.items.slice(0, 8);
  const failed = jobs.items.filter((j) => j.status === 'FAIL');
  const auditErrors = audit.items.filter((a) => a.result_code && a.result_code !== 'OK').slice(0, 8);

  return (
    <div className="view" data-testid="view-overview">
      <ViewHeader title="Overview" loading={pods.loading && !pods.loaded}>
        <LoadExampleButton variant={pods.items.length ? 'ghost' : 'primary'} />
      </ViewHeader>
      <ErrorBanner action="lab.loadExample" testId="error-load-example" />
      <LoadError error={pods.error} testId="error-pods-load" />
      {pods.loaded && !pods.items.length ? (
        <EmptyState title="No pods yet" testId="empty-overview">
          <p>Load the example lab to see a cross-pod floating IP in one click, or start by creating the top pod.</p>
          <div className="row-actions">
            <LoadExampleButton />
            <button type="button" className="btn" data-testid="empty-go-pods" onClick={() => setView('pods')}>
              Create a pod
            </button>
          </div>
        </EmptyState>
      ) : (
        <div className="cards" data-testid="pod-cards">
          {pods.items.map((p) => {
            const c = counts.get(p.pod_id);
            const conn = connection[p.pod_id];
            const healthy = conn ? conn.reachable && conn.auth !== 'failed' : null;
            return (
              <article key={p.pod_id} className="card pod-card" data-testid={`pod-card-${p.region_name}`}>
                <header>
                  <strong>{p.region_name}</strong>
                  {p.is_top ? <span className="badge">top</span> : p.az_name && <span className="badge">{p.az_name}</span>}
                  <span className="badge muted">{p.driver}</span>
                </header>
                {!p.is_top && (
                  <dl className="counts">
                    <div>
                      <dt>networks</dt>
                      <dd data-testid="count-networks">{c?.networks ?? 0}</dd>
                    </div>
                    <div>
                      <dt>routers</dt>
                      <dd data-testid="count-routers">{c?.routers ?? 0}</dd>
                    </div>
                    <div>
                      <dt>floating IPs</dt>
                      <dd data-testid="count-fips">{c?.fips ?? 0}</dd>
                    </div>
                  </dl>
                )}
                <footer>
                  <span className={`health ${healthy === null ? '' : healthy ? 'ok' : 'bad'}`} data-testid="pod-health">
                    {healthy === null ? (p.driver === 'lab' ? 'embedded lab' : 'not checked') : healthy ? 'reachable' : conn?.error?.code ?? 'unreachable'}
                  </span>
                  <ActionButton action={`pods.testConnection:${p.pod_id}`} testId="pod-card-test" variant="ghost" onClick={() => void testConnection(p.pod_id)}>
                    Check
                  </ActionButton>
                </footer>
                <ErrorBanner action={`pods.testConnection:${p.pod_id}`} />
              </article>
            );
          })}
        </div>
      )}
      <div className="two-col">
        <Section title={`Recent jobs${failed.length ? ` (${failed.length} failed)` : ''}`} testId="overview-jobs">
          {recentJobs.length ? (
            <ul className="plain">
              {recentJobs.map((j) => (
                <li key={j.id}>
                  <span className={`status status-${j.status.toLowerCase()}`}>{j.status}</span> {j.type} <code>{j.resource_id.slice(0, 8)}</code>{' '}
                  <small>{when(j.timestamp)}</small>
                  {j.error && <code className="error-code">{j.error.code}</code>}
                </li>
              ))}
            </ul>
          ) : (
            <EmptyState title="No jobs yet" testId="empty-overview-jobs">
              Jobs appear when a router interface or gateway changes.
            </EmptyState>
          )}
        </Section>
        <Section title="Recent errors" testId="overview-errors">
          {auditErrors.length ? (
            <ul className="plain">
              {auditErrors.map((a) => (
                <li key={a.id}>
                  <code className="error-code">{a.result_code}</code> {a.operation} <small>{when(a.at)}</small>
                </li>
              ))}
            </ul>
          ) : (
            <EmptyState title="No errors" testId="empty-overview-errors">
              Failed operations from the audit log show here.
            </EmptyState>
          )}
        </Section>
      </div>
    </div>
  );
}
