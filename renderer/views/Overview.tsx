import { useMemo } from 'react';
import type { TopologySnapshot } from '../../shared/contract';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { act } from '../data/actions';
import { loadError, useCall } from '../data/query';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader, when } from './common';
import { Gallery } from './Labs';

/** Where one file is served (no lab host), the example is built into it; else the gallery makes new labs. */
export function LoadExampleButton({ variant = 'primary' }: { variant?: 'primary' | 'ghost' }) {
  return (
    <ActionButton action="lab.loadExample" testId="load-example" variant={variant} onClick={() => void act('lab.loadExample', 'lab.loadExample', {})} title="Builds the reference's worked example: three pods, ext-net in Pod2, net1 in az1, a router and a floating IP">
      Load example lab
    </ActionButton>
  );
}

export interface PodCounts {
  networks: number;
  bridges: number;
  routers: number;
  fips: number;
  bridgeFips: number;
}

/** Per pod: tenant resources apart from the bridge copies Crosspod made there. */
export function podCounts(snapshot: TopologySnapshot | undefined): Map<string, PodCounts> {
  const m = new Map<string, PodCounts>();
  for (const b of snapshot?.bottoms ?? []) {
    const bridgeNets = new Set(b.networks.filter((n) => n.bridge).map((n) => n.id));
    m.set(b.pod_id, {
      networks: b.networks.length - bridgeNets.size,
      bridges: bridgeNets.size,
      routers: b.routers.length,
      fips: b.floatingips.filter((f) => !bridgeNets.has(f.network_id)).length,
      bridgeFips: b.floatingips.filter((f) => bridgeNets.has(f.network_id)).length,
    });
  }
  return m;
}

export function Overview() {
  const podsQ = useCall('pods.list', { limit: 200 });
  const pods = podsQ.data?.items ?? [];
  const project = useApp((s) => s.project);
  const topology = useCall('lab.topology', project ? { project_id: project } : {});
  const jobs = useCall('jobs.list', { limit: 8 });
  const failed = useCall('jobs.list', { status: 'FAIL', limit: 1 });
  const audit = useCall('audit.list', { limit: 100 }).data?.items ?? [];
  const connection = useApp((s) => s.connection);
  const setConnection = useApp((s) => s.setConnection);
  const setView = useApp((s) => s.setView);
  const labsQ = useCall('labs.list', {});
  // A server of one file answers labs.* with LABS_SINGLE_FILE: the example then goes into that file.
  const singleFile = !labsQ.data;
  const labNames = (labsQ.data?.labs ?? []).map((l) => l.name);
  const counts = useMemo(() => podCounts(topology.data), [topology.data]);
  const recentJobs = jobs.data?.items ?? [];
  const failedCount = failed.data?.total ?? 0;
  const auditErrors = audit.filter((a) => a.result_code && a.result_code !== 'OK').slice(0, 8);
  const test = async (pod_id: string) => {
    const r = await act(`pods.testConnection:${pod_id}`, 'pods.testConnection', { pod_id });
    if (r) setConnection(pod_id, r);
  };

  return (
    <div className="view" data-testid="view-overview">
      <ViewHeader title="Overview" loading={podsQ.isFetching && !podsQ.data}>
        {singleFile ? (
          <LoadExampleButton variant={pods.length ? 'ghost' : 'primary'} />
        ) : (
          <button type="button" className="btn ghost" data-testid="open-gallery" onClick={() => setView('labs')}>
            Example gallery
          </button>
        )}
      </ViewHeader>
      <ErrorBanner action="lab.loadExample" testId="error-load-example" />
      <LoadError error={loadError(podsQ)} testId="error-pods-load" />
      {podsQ.data && !pods.length ? (
        <EmptyState title="No pods yet" testId="empty-overview">
          <p>{singleFile ? 'Load the example lab' : 'Make a new lab from an example'} to see a cross-pod floating IP in one click, or start by creating the top pod.</p>
          {!singleFile && <Gallery names={labNames} busy={false} />}
          <div className="row-actions">
            {singleFile && <LoadExampleButton />}
            <button type="button" className="btn" data-testid="empty-go-pods" onClick={() => setView('pods')}>
              Create a pod
            </button>
          </div>
        </EmptyState>
      ) : (
        <div className="cards" data-testid="pod-cards">
          {pods.map((p) => {
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
                      <dd data-testid="count-networks" title={`${c?.bridges ?? 0} bridge network copies besides`}>
                        {c?.networks ?? 0}
                      </dd>
                    </div>
                    <div>
                      <dt>bridges</dt>
                      <dd data-testid="count-bridges">{c?.bridges ?? 0}</dd>
                    </div>
                    <div>
                      <dt>routers</dt>
                      <dd data-testid="count-routers">{c?.routers ?? 0}</dd>
                    </div>
                    <div>
                      <dt>floating IPs</dt>
                      <dd data-testid="count-fips" title={`${c?.bridgeFips ?? 0} bridge-side floating IPs besides`}>
                        {c?.fips ?? 0}
                      </dd>
                    </div>
                  </dl>
                )}
                <footer>
                  <span className={`health ${healthy === null ? '' : healthy ? 'ok' : 'bad'}`} data-testid="pod-health">
                    {healthy === null ? (p.driver === 'lab' ? 'embedded lab' : 'not checked') : healthy ? 'reachable' : (conn?.error?.code ?? 'unreachable')}
                  </span>
                  <ActionButton action={`pods.testConnection:${p.pod_id}`} testId="pod-card-test" variant="ghost" onClick={() => void test(p.pod_id)}>
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
        <Section title={`Recent jobs${failedCount ? ` (${failedCount} failed)` : ''}`} testId="overview-jobs">
          {recentJobs.length ? (
            <ul className="plain">
              {recentJobs.map((j) => (
                <li key={j.id}>
                  <span className={`status status-${j.status.toLowerCase()}`}>{j.status}</span> {j.type} <small>{when(j.timestamp)}</small>
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
