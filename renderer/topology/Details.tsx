// The details panel: what the clicked node is, read on demand (a router's copies and routes, a
// network's subnets and bottom copies) or from the data already drawn (a pod, a floating IP, a VM).
import { Admits, admitsText } from '../components/Admits';
import { useEffect, useState } from 'react';
import type { NetworkDetails, RouterDetails, TopologyDetail, TopologySummary } from '../../shared/topology';
import { toErrorInfo, type ErrorInfo } from '../api/errors';
import { ErrorBanner } from '../components/ErrorBanner';
import { Spinner } from '../components/Spinner';
import { getClient } from '../store/client-ref';
import type { TopoNodeData } from './graph';
import type { Level } from './persist';

export interface Selection {
  id: string;
  data: TopoNodeData;
}

function useLoad<T>(fn: (() => Promise<T>) | null, key: string): { value: T | null; error: ErrorInfo | null } {
  const [state, setState] = useState<{ key: string; value: T | null; error: ErrorInfo | null }>({ key: '', value: null, error: null });
  useEffect(() => {
    if (!fn) return;
    let cancelled = false;
    fn().then(
      (value) => !cancelled && setState({ key, value, error: null }),
      (e: unknown) => !cancelled && setState({ key, value: null, error: toErrorInfo(e) }),
    );
    return () => {
      cancelled = true;
    };
  }, [key]);
  return state.key === key ? state : { value: null, error: null };
}

const Id = ({ v }: { v: string | null | undefined }) => <code className="mono topo-id">{v ?? '—'}</code>;

export function Details({ selection, summary, detail, onClose, onOpen }: { selection: Selection; summary: TopologySummary; detail: TopologyDetail | null; onClose(): void; onOpen(l: Level): void }) {
  const d = selection.data;
  const podName = (id: string) => summary.pods.find((p) => p.pod_id === id)?.region_name ?? id;
  const netName = (id: string) => detail?.networks.find((n) => n.id === id)?.name ?? id;
  const router = useLoad<RouterDetails>(d.kind === 'router' && d.router_id ? () => getClient().api['topology.router']({ id: d.router_id! }) : null, `r:${d.router_id ?? ''}`);
  const network = useLoad<NetworkDetails>((d.kind === 'network' || d.kind === 'segment') && d.network_id ? () => getClient().api['topology.network']({ id: d.network_id! }) : null, `n:${d.network_id ?? ''}`);

  let body: React.ReactNode = null;
  let title = d.label;
  if (d.kind === 'pod') {
    const p = summary.pods.find((x) => x.pod_id === d.pod_id);
    title = `Pod ${d.label}`;
    body = p ? (
      <>
        <dl className="topo-dl">
          <dt>Health</dt>
          <dd data-testid="topo-details-health">{p.health.status} ({p.health.failed_jobs} failed jobs, {p.health.pending_routings} pending routing rows)</dd>
          <dt>AZ</dt>
          <dd>{p.az_name || '(top pod)'}</dd>
          <dt>Driver</dt>
          <dd>{p.driver}</dd>
          <dt>Networks</dt>
          <dd>{p.counts.networks} ({p.counts.bridges} bridges)</dd>
          <dt>Routers</dt>
          <dd>{p.counts.routers}</dd>
          <dt>Ports</dt>
          <dd>{p.counts.ports.toLocaleString('en-US')}</dd>
          <dt>Floating IPs</dt>
          <dd>{p.counts.fips_external.toLocaleString('en-US')} on its external networks, {p.counts.fips_bound_here.toLocaleString('en-US')} bound to its ports</dd>
          <dt>Pod id</dt>
          <dd><Id v={p.pod_id} /></dd>
        </dl>
        {!d.group && (
          <button type="button" className="btn" data-testid="topo-details-open" onClick={() => onOpen({ scope: 'pod', id: p.pod_id })}>
            Open {p.region_name}
          </button>
        )}
      </>
    ) : null;
  } else if (d.kind === 'router') {
    title = `Router ${d.label}`;
    const r = router.value;
    body = r ? (
      <>
        <p>Project {r.project_id} · top id <Id v={r.id} /></p>
        {r.copies.map((c) => (
          <section key={c.pod_id} className="topo-copy" data-testid={`topo-details-router-${podName(c.pod_id)}`}>
            <h4>{podName(c.pod_id)} · bottom <Id v={c.bottom_id} /></h4>
            <ul className="plain">
              {c.gateway && (
                <li>gateway on {netName(c.gateway.network_id)} <span className="mono">{c.gateway.ip}</span> · port <Id v={c.gateway.bottom_port_id} /></li>
              )}
              {c.interfaces.map((i) => (
                <li key={i.bottom_port_id}>interface on {netName(i.network_id)} <span className="mono">{i.ip}</span> · port <Id v={i.bottom_port_id} /></li>
              ))}
              {(r.routes.find((x) => x.pod_id === c.pod_id)?.routes ?? []).map((rt) => (
                <li key={`${rt.destination}>${rt.nexthop}`} className="mono">route {rt.destination} via {rt.nexthop}</li>
              ))}
            </ul>
          </section>
        ))}
        <button type="button" className="btn" data-testid="topo-details-open" onClick={() => onOpen({ scope: 'router', id: r.id })}>
          Open router {r.name}
        </button>
      </>
    ) : router.error ? <ErrorBanner error={router.error} testId="topo-details-error" /> : <Spinner label="Loading" />;
  } else if (d.kind === 'network' || d.kind === 'segment') {
    title = `Network ${d.label}`;
    const n = network.value;
    body = n ? (
      <>
        <p>{n.kind} network · project {n.project_id}{n.vlan != null ? ` · VLAN ${n.vlan}` : ''} · {n.ports.toLocaleString('en-US')} ports · top id <Id v={n.id} /></p>
        <h4>Bottom copies</h4>
        <ul className="plain" data-testid="topo-details-copies">
          {n.copies.map((c) => (
            <li key={c.pod_id}>{podName(c.pod_id)}: <Id v={c.bottom_id} /></li>
          ))}
        </ul>
        <h4>Subnets</h4>
        {n.subnets.map((s) => (
          <section key={s.id} className="topo-copy">
            <p><span className="mono">{s.cidr}</span> {s.name} · gateway <span className="mono">{s.gateway_ip ?? '—'}</span></p>
            <ul className="plain">
              {s.copies.map((c) => (
                <li key={c.pod_id}>{podName(c.pod_id)}: <Id v={c.bottom_id} /></li>
              ))}
            </ul>
          </section>
        ))}
      </>
    ) : network.error ? <ErrorBanner error={network.error} testId="topo-details-error" /> : <Spinner label="Loading" />;
  } else if (d.kind === 'hop' && d.fip_id) {
    const f = detail?.fips.find((x) => x.id === d.fip_id);
    title = `Floating IP ${f?.address ?? d.label}`;
    body = f ? (
      <>
        <p>{f.mode} · project {f.project_id} · top id <Id v={f.id} /></p>
        {f.admits && (
          <p data-testid="topo-details-admits">
            <Admits admits={f.admits} testId="topo-admits" /> {admitsText(f.admits)}
          </p>
        )}
        <ol className="topo-hops" data-testid="topo-details-hops">
          {f.hops.map((h, i) => (
            <li key={i}>
              <strong className="mono">{h.address}</strong> {h.role} on {h.network_name}{h.vlan != null ? ` (VLAN ${h.vlan})` : ''} in {h.region}
              <br />
              <small>
                network <Id v={h.bottom.network_id} />
                {h.bottom.floatingip_id && <> · floating IP <Id v={h.bottom.floatingip_id} /></>}
                {h.bottom.port_id && <> · port <Id v={h.bottom.port_id} /></>}
              </small>
            </li>
          ))}
        </ol>
      </>
    ) : null;
  } else if (d.kind === 'vm') {
    const v = detail?.vms.find((x) => x.id === d.port_id);
    title = `Port ${d.label}`;
    body = v ? (
      <dl className="topo-dl">
        <dt>Fixed IP</dt>
        <dd className="mono">{v.ip}</dd>
        <dt>Network</dt>
        <dd>{netName(v.network_id)}</dd>
        <dt>Pod</dt>
        <dd>{podName(v.pod_id)}</dd>
        <dt>Top id</dt>
        <dd><Id v={v.id} /></dd>
        <dt>Bottom id</dt>
        <dd><Id v={v.bottom_id} /></dd>
        <dt>Floating IPs</dt>
        <dd>{v.fip_ids.map((id) => detail?.fips.find((f) => f.id === id)?.address ?? id).join(', ') || 'none'}</dd>
      </dl>
    ) : null;
  } else if (d.kind === 'more') {
    title = d.label;
    body = <p>These ports are on this network but not drawn one by one; search a port or address to see one.</p>;
  }
  return (
    <aside className="topo-details" data-testid="topo-details" data-kind={d.kind} aria-label="Details">
      <header>
        <h3>{title}</h3>
        <button type="button" className="btn ghost" aria-label="Close details" data-testid="topo-details-close" onClick={onClose}>
          ×
        </button>
      </header>
      {body}
    </aside>
  );
}
