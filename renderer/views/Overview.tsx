import { useMemo } from 'react';
import type { TestConnectionResult } from '../../shared/contract';
import type { TopologySummary, TopoPodSummary } from '../../shared/topology';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { act } from '../data/actions';
import { loadError, queryClient, useCall } from '../data/query';
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
  boundHere: number;
}

/** Per pod: tenant resources apart from the bridge copies Crosspod made there (from the top: no pod is read). */
export function podCounts(summary: TopologySummary | undefined): Map<string, PodCounts> {
  const m = new Map<string, PodCounts>();
  for (const p of summary?.pods ?? []) {
    const c = p.counts;
    m.set(p.pod_id, { networks: c.networks - c.bridges, bridges: c.bridges, routers: c.routers, fips: c.fips_external, boundHere: c.fips_bound_here });
  }
  return m;
}

/** A pod's health in words: its observed reads first, then what the top says, then the last check. */
export function healthText(h: TopoPodSummary['health'] | undefined, conn: TestConnectionResult | undefined, driver: string): { text: string; tone: 'ok' | 'bad' | 'warn' | ''; title?: string } {
  const r = h?.reads;
  if (r?.status === 'failing') {
    const e = r.last_error;
    return { text: `unreachable since ${when(r.failing_since!)}`, tone: 'bad', title: e ? `${e.code}: ${e.message} (last tried ${when(e.at)})` : undefined };
  }
  if (h && h.status === 'degraded') {
    const parts = [h.failed_jobs ? `${h.failed_jobs} failed job${h.failed_jobs === 1 ? '' : 's'}` : '', h.pending_routings ? `${h.pending_routings} pending` : ''].filter(Boolean);
    return { text: parts.join(', '), tone: 'warn', title: r?.last_ok_at ? `last read ${when(r.last_ok_at)}` : undefined };
  }
  if (r?.status === 'ok' && r.last_ok_at) return { text: `last read ${when(r.last_ok_at)}`, tone: 'ok' };
  if (conn) return conn.reachable && conn.auth !== 'failed' ? { text: 'reachable', tone: 'ok' } : { text: conn.error?.code ?? 'unreachable', tone: 'bad', title: conn.error?.message };
  return { text: driver === 'lab' ? 'embedded lab' : 'not read yet', tone: '' };
}

export function Overview() {
  const podsQ = useCall('pods.list', { limit: 200 });
  const pods = podsQ.data?.items ?? [];
  const project = useApp((s) => s.project);
  // Counts and health from the top and the engine's observed reads: no pod is asked. Read again on
  // mount, since health changes with reads made elsewhere, which send no event.
  const summary = useCall('topology.summary', project ? { project_id: project } : {}, { fresh: true });
  const health = useMemo(() => new Map((summary.data?.pods ?? []).map((p) => [p.pod_id, p.health])), [summary.data]);
  const jobs = useCall('jobs.list', { limit: 8 });
  const failed = useCall('jobs.list', { status: 'FAIL', limit: 1 });
  const audit = useCall('audit.list', { limit: 100 }).data?.items ?? [];
  const connection = useApp((s) => s.connection);
  const setConnection = useApp((s) => s.setConnection);
  const setView = useApp((s) => s.setView);
  const labsQ = useCall('labs.list', {});
  // A server of one file (--db) cannot make labs: the example then goes into that file.
  const singleFile = !labsQ.data || labsQ.data.single_file;
  const labNames = (labsQ.data?.labs ?? []).map((l) => l.name);
  const counts = useMemo(() => podCounts(summary.data), [summary.data]);
  const recentJobs = jobs.data?.items ?? [];
  const failedCount = failed.data?.total ?? 0;
  const auditErrors = audit.filter((a) => a.result_code && a.result_code !== 'OK').slice(0, 8);
  const test = async (pod_id: string) => {
    const r = await act(`pods.testConnection:${pod_id}`, 'pods.testConnection', { pod_id });
    if (r) setConnection(pod_id, r);
    // The check counts as a read: the pod's health moves with it.
    void queryClient.invalidateQueries({ queryKey: ['topology.summary'] });
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
            const h = p.is_top ? null : healthText(health.get(p.pod_id), connection[p.pod_id], p.driver);
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
                      <dd data-testid="count-fips" title={`floating IPs on this pod's external networks; ${c?.boundHere ?? 0} bound to VMs in this pod`}>
                        {c?.fips ?? 0}
                      </dd>
                    </div>
                  </dl>
                )}
                <footer>
                  <span className={`health ${h?.tone ?? ''}`} data-testid="pod-health" data-tone={h?.tone ?? ''} title={h?.title}>
                    {h ? h.text : 'top pod'}
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
