// The topology: the estate at a glance (pods, links by pod pair, bridges as shared segments), and a
// pod, project or router in full on demand, with search, a details panel and exports. The level is
// kept in the URL hash (#/topology/pod/<id>); node positions and collapsed pods in the lab.
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useNodesInitialized,
  useReactFlow,
  useStore,
  type Edge,
  type NodeChange,
  type OnNodeDrag,
} from '@xyflow/react';
import type { SearchHit, TopologyDetail, TopologySummary } from '../../shared/topology';
import { toErrorInfo, type ErrorInfo } from '../api/errors';
import { loadError as queryError, queryClient, useCall } from '../data/query';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { Spinner } from '../components/Spinner';
import { getClient } from '../store/client-ref';
import { detailGraph, estateGraph, highlightSet, podNodeId, type Topo } from '../topology/graph';
import { isIntraPod, layoutTopology, warmLayout } from '../topology/layout';
import { nodeTypes, TopologyActions, type FlowNode } from '../topology/nodes';
import { emptyLayout, hashOfLevel, levelFromHash, loadLayout, saveLayout, type Level, type SavedLayout } from '../topology/persist';
import { canvasPng, canvasSvg, download } from '../topology/export';
import { Details, type Selection } from '../topology/Details';
import { useApp } from '../store';
import { ViewHeader } from './common';
import { LoadExampleButton } from './Overview';
import { useEffectiveTheme } from '../theme';
import '../topology/topology.css';

/** Floating IPs drawn per detail page. */
export const FIP_PAGE = 24;
/** The least zoom a drilled-in pod is fitted at: its names stay readable. */
export const READABLE_ZOOM = 0.45;

/** Changes when the drawn structure changes (not when only highlighting does). */
function structureKey(t: Topo): string {
  const nodes = t.nodes.map((n) => `${n.id}<${n.parentId ?? ''}|${n.data.label}|${n.data.sub ?? ''}|${n.data.group ? 1 : 0}`);
  const edges = t.edges.map((e) => `${e.id}:${e.source}>${e.target}`);
  return `${nodes.sort().join(',')}#${edges.sort().join(',')}`;
}

const sameLevel = (a: Level, b: Level) => a.scope === b.scope && (a.scope === 'estate' || (b.scope !== 'estate' && a.id === b.id));

interface Focus {
  fip?: string | null;
  node?: string | null;
  /** Pan and zoom to the highlighted nodes once drawn. */
  reveal?: boolean;
}

function TopologyCanvas({ summary, level, setLevel }: { summary: TopologySummary; level: Level; setLevel: (l: Level, focus?: Focus) => void }) {
  const theme = useEffectiveTheme();
  const { fitView, getZoom } = useReactFlow();
  const focusFip = useApp((s) => s.focusFip);
  const setFocusFip = useApp((s) => s.setFocusFip);

  useEffect(() => warmLayout(), []);

  // ---- the level's data ----
  const [pageState, setPageState] = useState<{ key: string; offset: number; focusFip?: string; focusPort?: string }>({ key: '', offset: 0 });
  const [focus, setFocus] = useState<Focus>({});
  const pendingFocus = useRef<Focus | null>(null);
  const levelRef = useRef(level);
  levelRef.current = level;

  const levelKey = level.scope === 'estate' ? 'estate' : `${level.scope}:${level.id}`;
  // A page belongs to its level: another level starts at its first page.
  const page = useMemo(() => (pageState.key === levelKey ? pageState : { key: levelKey, offset: 0 }), [pageState, levelKey]);
  const setPage = useCallback((p: { offset: number; focusFip?: string; focusPort?: string }, key?: string) => setPageState({ key: key ?? levelRef.current.scope + (levelRef.current.scope === 'estate' ? '' : `:${levelRef.current.id}`), ...p }), []);
  // Through the query cache: the engine's events refetch it while it is on screen.
  const detailInput =
    level.scope === 'estate'
      ? null
      : { scope: level.scope, id: level.id, fip_limit: FIP_PAGE, fip_offset: page.offset, ...(page.focusFip ? { focus_fip: page.focusFip } : {}), ...(page.focusPort ? { focus_port: page.focusPort } : {}) };
  const detailQ = useCall('topology.detail', detailInput ?? { scope: 'pod', id: '' }, { enabled: !!detailInput, keepPrevious: true });
  const detail: TopologyDetail | null = detailInput ? (detailQ.data ?? null) : null;
  const loadError = detailInput ? queryError(detailQ) : null;
  // A detail reads the bottoms: what it saw of each pod's health shows in the summary too.
  useEffect(() => {
    if (detailQ.dataUpdatedAt) void queryClient.invalidateQueries({ queryKey: ['topology.summary'] });
  }, [detailQ.dataUpdatedAt]);

  // ---- saved layout of the level ----
  const saved = useRef<SavedLayout>(emptyLayout());
  const [savedFor, setSavedFor] = useState<string>('');
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  useEffect(() => {
    let cancelled = false;
    loadLayout(getClient().api, level)
      .catch(() => emptyLayout())
      .then((l) => {
        if (cancelled) return;
        saved.current = l;
        setCollapsed(new Set(l.collapsed));
        setSavedFor(levelKey);
      });
    return () => {
      cancelled = true;
    };
  }, [levelKey]);
  const persist = useCallback(
    (next: Partial<SavedLayout>) => {
      saved.current = { ...saved.current, ...next };
      void saveLayout(getClient().api, levelRef.current, saved.current).catch(() => undefined);
    },
    [],
  );

  const detailMatches = detail && level.scope !== 'estate' && detail.scope.kind === level.scope && detail.scope.id === level.id;
  const topo = useMemo<Topo | null>(() => {
    if (savedFor !== levelKey) return null;
    if (level.scope === 'estate') return estateGraph(summary);
    return detailMatches ? detailGraph(detail, { collapsed, summary }) : null;
  }, [level, summary, detail, detailMatches, collapsed, savedFor, levelKey]);
  const key = useMemo(() => (topo ? `${levelKey}#${structureKey(topo)}` : ''), [topo, levelKey]);

  // ---- layout ----
  const [nodes, setNodes] = useState<FlowNode[]>([]);
  const [layoutState, setLayoutState] = useState<'idle' | 'running' | 'ready' | 'failed'>('idle');
  const [layoutError, setLayoutError] = useState<ErrorInfo | null>(null);
  const [layoutGen, setLayoutGen] = useState(0);
  const [fitPending, setFitPending] = useState(false);
  useEffect(() => {
    if (!topo) {
      setLayoutState('running');
      return;
    }
    let cancelled = false;
    setLayoutState('running');
    setLayoutError(null);
    layoutTopology(topo)
      .then((boxes) => {
        if (cancelled) return;
        const pos = saved.current.positions;
        setNodes(
          topo.nodes.map((n) => {
            const b = boxes.get(n.id) ?? { x: 0, y: 0, width: 150, height: 46 };
            const p = pos[n.id] ?? { x: b.x, y: b.y };
            return {
              id: n.id,
              type: n.data.kind,
              position: p,
              data: n.data,
              ...(n.parentId ? { parentId: n.parentId, extent: 'parent' as const } : {}),
              // Fixed sizes, so what is drawn matches what ELK laid out.
              style: { width: b.width, height: b.height },
              ...(n.data.kind === 'pod' ? { zIndex: 0 } : {}),
            };
          }),
        );
        setLayoutState('ready');
        setFitPending(true);
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        setLayoutError({ code: 'LAYOUT_FAILED', message: e instanceof Error ? e.message : String(e) });
        setLayoutState('failed');
      });
    return () => {
      cancelled = true;
    };
    // Re-layout only when the structure changes (key) or on request (layoutGen).
  }, [key, layoutGen]);

  // ---- highlight, and fitting the view to it ----
  const hl = useMemo(() => (topo ? highlightSet(topo, focus) : { nodes: new Set<string>(), edges: new Set<string>() }), [topo, focus]);
  const initialised = useNodesInitialized();
  useEffect(() => {
    if (!fitPending || !initialised || layoutState !== 'ready') return;
    setFitPending(false);
    const p = pendingFocus.current;
    if (p) {
      pendingFocus.current = null;
      setFocus(p);
      const ids = topo ? [...highlightSet(topo, p).nodes] : [];
      if (ids.length) {
        void fitView({ nodes: ids.map((id) => ({ id })), padding: 0.25, maxZoom: 1.2, duration: 0 });
        return;
      }
    }
    // Fit whole; a drilled-in pod that would then be too small to read is fitted by itself, never
    // so far out that its names cannot be read (pan for the rest).
    const podFit = level.scope === 'pod' && !collapsed.has(level.id) && topo?.nodes.some((n) => n.id === podNodeId(level.id)) ? podNodeId(level.id) : null;
    void fitView({ padding: 0.06, duration: 0 }).then(() => {
      if (podFit && getZoom() < READABLE_ZOOM) void fitView({ nodes: [{ id: podFit }], padding: 0.04, minZoom: READABLE_ZOOM, duration: 0 });
    });
  }, [fitPending, initialised, layoutState, fitView, getZoom, topo, level, collapsed]);

  // Levels of detail by zoom, in steps (re-rendering on every zoom frame would cost the pan).
  const zoomFar = useStore((st) => (st.transform[2] < 0.25 ? 2 : st.transform[2] < 0.5 ? 1 : 0));
  // Not on the estate: restyling its nodes at fit zoom cost the pan most of its frames (bench).
  const zoomStep = level.scope === 'estate' ? 0 : zoomFar;

  const active = hl.nodes.size > 0;
  // Data from the current graph (health changes without a new layout), places from the layout.
  const dataOf = useMemo(() => new Map((topo?.nodes ?? []).map((n) => [n.id, n.data])), [topo]);
  const shownNodes = useMemo(
    () =>
      nodes.map((n) => {
        const on = hl.nodes.has(n.id);
        const dim = active && !on && !(n.data.kind === 'pod' && n.data.group);
        return { ...n, className: on ? 'highlighted' : dim ? 'dimmed' : undefined, data: { ...(dataOf.get(n.id) ?? n.data), highlighted: on, dimmed: dim } };
      }),
    [nodes, hl, active, dataOf],
  );
  const parentOf = useMemo(() => new Map((topo?.nodes ?? []).map((n) => [n.id, n.parentId])), [topo]);
  const manyEdges = (topo?.edges.length ?? 0) > 120;
  const heavy = (topo?.edges.length ?? 0) > 600;
  const edges = useMemo<Edge[]>(
    () =>
      (topo?.edges ?? []).map((e) => {
        const on = hl.edges.has(e.id);
        const intra = isIntraPod(e, parentOf);
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          sourceHandle: intra || e.kind === 'link' ? 'b' : 'r',
          targetHandle: intra ? 't' : e.kind === 'link' ? 'bt' : 'l',
          // Labels only where they can be read: a few edges, or the highlighted path.
          label: on || manyEdges === false ? e.label : undefined,
          // Minor edges (a node on its network, a segment no floating IP crosses) go when zoomed far out.
          className: `edge-${e.kind}${e.minor || e.kind === 'attach' ? ' minor' : ''}${on ? ' highlighted' : active ? ' dimmed' : ''}`,
          animated: on,
          zIndex: on ? 10 : 1,
          selectable: false,
        };
      }),
    [topo, hl, active, parentOf, manyEdges],
  );

  // ---- going somewhere: drill, search, a floating IP asked for by another view ----
  const go = useCallback(
    (l: Level, f?: Focus & { port?: string }) => {
      pendingFocus.current = f ? { ...f, reveal: true } : null;
      setFocus({});
      setSelection(null);
      const key = l.scope === 'estate' ? 'estate' : `${l.scope}:${l.id}`;
      setPage(f?.fip || f?.port ? { offset: 0, ...(f.fip ? { focusFip: f.fip } : {}), ...(f.port ? { focusPort: f.port } : {}) } : { offset: 0 }, key);
      if (sameLevel(l, levelRef.current)) setFitPending(true);
      else setLevel(l, f);
    },
    [setLevel],
  );

  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<{ hits: SearchHit[]; more: boolean } | null>(null);
  const [searchError, setSearchError] = useState<ErrorInfo | null>(null);
  const openHit = useCallback(
    (h: SearchHit) => {
      setHits(null);
      if (!h.drill) return;
      const target: Level = { scope: h.drill.scope, id: h.drill.id };
      const node =
        h.kind === 'router' ? null : h.kind === 'port' ? `vm:${h.id}` : h.kind === 'network' ? null : h.kind === 'pod' ? `pod:${h.id}` : null;
      go(target, { fip: h.fip_id, node: node ?? (h.kind === 'network' ? `seg:${h.id}` : null), ...(h.kind === 'port' ? { port: h.id } : {}) });
      if (h.kind === 'network') pendingNetwork.current = h.id;
    },
    [go],
  );
  const pendingNetwork = useRef<string | null>(null);
  const search = useCallback(
    async (q: string) => {
      setSearchError(null);
      try {
        const r = await getClient().api['topology.search']({ q, limit: 12 });
        if (r.hits.length === 1 && r.hits[0].drill) openHit(r.hits[0]);
        else setHits(r);
      } catch (e) {
        setSearchError(toErrorInfo(e));
      }
    },
    [openHit],
  );
  useEffect(() => {
    if (!focusFip) return;
    setFocusFip(null);
    void search(focusFip);
  }, [focusFip, setFocusFip, search]);

  // A network found by search: highlight its node in whichever form it is drawn.
  useEffect(() => {
    const id = pendingNetwork.current;
    if (!id || !topo || layoutState !== 'ready') return;
    const n = topo.nodes.find((x) => x.data.network_id === id && (x.data.kind === 'network' || x.data.kind === 'segment'));
    if (!n) return;
    pendingNetwork.current = null;
    setFocus({ node: n.id });
    void fitView({ nodes: [{ id: n.id }], padding: 0.4, maxZoom: 1.2, duration: 0 });
  }, [topo, layoutState, fitView]);

  // ---- interactions ----
  const [selection, setSelection] = useState<Selection | null>(null);
  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => setNodes((nds) => applyNodeChanges(changes, nds)), []);
  const onNodeDragStop = useCallback<OnNodeDrag<FlowNode>>(
    (_e, _node, dragged) => {
      const positions = { ...saved.current.positions };
      for (const d of dragged) positions[d.id] = { x: d.position.x, y: d.position.y };
      persist({ positions });
    },
    [persist],
  );
  const togglePod = useCallback(
    (podId: string) =>
      setCollapsed((old) => {
        const next = new Set(old);
        if (next.has(podId)) next.delete(podId);
        else next.add(podId);
        persist({ collapsed: [...next] });
        return next;
      }),
    [persist],
  );
  const drillPod = useCallback((podId: string) => go({ scope: 'pod', id: podId }), [go]);
  const actions = useMemo(() => ({ togglePod, drillPod, canCollapse: level.scope !== 'estate' }), [togglePod, drillPod, level.scope]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setFocus({});
        setSelection(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // ---- export ----
  const canvasRef = useRef<HTMLDivElement>(null);
  const [exportError, setExportError] = useState<ErrorInfo | null>(null);
  const [exporting, setExporting] = useState(false);
  const baseName = `crosspod-topology-${levelKey.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
  const doExport = async (kind: 'svg' | 'png' | 'json') => {
    setExportError(null);
    setExporting(true);
    try {
      const el = canvasRef.current?.querySelector<HTMLElement>('.react-flow');
      if (kind === 'json') {
        const data = level.scope === 'estate' ? { level, summary } : { level, summary, detail };
        download(`${baseName}.json`, JSON.stringify(data, null, 2), 'application/json');
      } else if (!el) throw new Error('nothing drawn yet');
      else if (kind === 'svg') download(`${baseName}.svg`, await canvasSvg(el), 'image/svg+xml');
      else download(`${baseName}.png`, await canvasPng(el));
    } catch (e) {
      setExportError({ code: 'EXPORT_FAILED', message: e instanceof Error ? e.message : String(e) });
    } finally {
      setExporting(false);
    }
  };

  const crumbs: { label: string; level: Level }[] = [{ label: 'Estate', level: { scope: 'estate' } }];
  if (level.scope !== 'estate') crumbs.push({ label: `${level.scope} ${detailMatches ? detail.scope.label : level.id}`, level });
  const fp = detailMatches ? detail.fip_page : null;
  const focusPods = detailMatches ? detail.pods.filter((p) => p.focus) : [];

  return (
    <div className="topology">
      <aside className="topo-side" aria-label="Topology navigation">
        <nav className="topo-crumbs" aria-label="Level" data-testid="topo-crumbs">
          {crumbs.map((c, i) => (
            <span key={i}>
              {i > 0 && ' › '}
              {i < crumbs.length - 1 ? (
                <button type="button" className="btn ghost" data-testid={`topo-crumb-${c.level.scope}`} onClick={() => go(c.level)}>
                  {c.label}
                </button>
              ) : (
                <strong data-testid="topo-level">{c.label}</strong>
              )}
            </span>
          ))}
        </nav>
        <form
          className="topo-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (query.trim()) void search(query.trim());
          }}
        >
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Floating IP, fixed IP, port, router, network"
            aria-label="Search the topology"
            data-testid="topo-search"
          />
          <button type="submit" className="btn" data-testid="topo-search-go">
            Find
          </button>
        </form>
        {searchError && <ErrorBanner error={searchError} testId="topo-search-error" />}
        {hits && (
          <ul className="plain topo-hits" data-testid="topo-hits">
            {hits.hits.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
            {hits.hits.map((h, i) => (
              <li key={`${h.kind}:${h.id}`}>
                <button type="button" className="btn ghost" data-testid={`topo-hit-${i}`} onClick={() => openHit(h)} disabled={!h.drill}>
                  <span className="mono">{h.label}</span> <small>{h.detail}</small>
                </button>
              </li>
            ))}
            {hits.more && <li className="muted">More matches: refine the search.</li>}
          </ul>
        )}
        {fp && (
          <div className="topo-page" data-testid="topo-fip-page">
            <span>
              Floating IPs {fp.total ? `${(fp.offset + 1).toLocaleString('en-US')}–${Math.min(fp.offset + fp.limit, fp.total).toLocaleString('en-US')}` : '0'} of {fp.total.toLocaleString('en-US')}
            </span>
            <button type="button" className="btn ghost" disabled={fp.offset === 0} data-testid="topo-page-prev" onClick={() => setPage({ offset: Math.max(0, fp.offset - fp.limit) })}>
              ‹
            </button>
            <button type="button" className="btn ghost" disabled={fp.offset + fp.limit >= fp.total} data-testid="topo-page-next" onClick={() => setPage({ offset: fp.offset + fp.limit })}>
              ›
            </button>
          </div>
        )}
        <div className="row-actions">
          <button
            type="button"
            className="btn ghost"
            data-testid="topo-relayout"
            onClick={() => {
              persist({ positions: {} });
              setLayoutGen((g) => g + 1);
            }}
          >
            Re-layout
          </button>
          {focusPods.length > 0 && (
            <>
              <button type="button" className="btn ghost" data-testid="topo-collapse-all" onClick={() => {
                const all = new Set(focusPods.map((p) => p.pod_id));
                setCollapsed(all);
                persist({ collapsed: [...all] });
              }}>
                Collapse all
              </button>
              <button type="button" className="btn ghost" data-testid="topo-expand-all" onClick={() => {
                setCollapsed(new Set());
                persist({ collapsed: [] });
              }}>
                Expand all
              </button>
            </>
          )}
        </div>
        <div className="row-actions" aria-label="Export">
          <button type="button" className="btn ghost" data-testid="topo-export-svg" disabled={exporting} onClick={() => void doExport('svg')}>SVG</button>
          <button type="button" className="btn ghost" data-testid="topo-export-png" disabled={exporting} onClick={() => void doExport('png')}>PNG</button>
          <button type="button" className="btn ghost" data-testid="topo-export-json" disabled={exporting} onClick={() => void doExport('json')}>JSON</button>
          {exporting && <Spinner label="Exporting" />}
        </div>
        {exportError && <ErrorBanner error={exportError} testId="topo-export-error" />}
        <p className="muted topo-totals" data-testid="topo-totals">
          {summary.totals.pods} pods · {summary.totals.networks.toLocaleString('en-US')} networks · {summary.totals.routers.toLocaleString('en-US')} routers · {summary.totals.fips.toLocaleString('en-US')} FIPs ({summary.totals.fips_cross_pod.toLocaleString('en-US')} cross-pod, {summary.totals.fips_unbound.toLocaleString('en-US')} unbound)
        </p>
        <ul className="legend plain" aria-label="Legend">
          <li><span className="swatch external" /> external network</li>
          <li><span className="swatch bridge" /> bridge segment (VLAN)</li>
          <li><span className="swatch tenant" /> tenant network</li>
          <li><span className="swatch router" /> router</li>
          <li><span className="swatch hop" /> floating IP hop · DNAT</li>
        </ul>
      </aside>
      <div
        ref={canvasRef}
        className={`topo-canvas${zoomStep ? ' zoom-far' : ''}`}
        style={zoomStep ? ({ '--topo-label': zoomStep === 2 ? '24px' : '17px', '--topo-pod-label': zoomStep === 2 ? '30px' : '21px' } as CSSProperties) : undefined}
        data-testid="topology-canvas"
        data-zoom-step={zoomStep}
        data-layout-state={layoutState}
        data-level={levelKey}
        data-highlight={focus.fip ?? focus.node ?? ''}
      >
        {loadError && <ErrorBanner error={loadError} testId="error-topology-load" />}
        {layoutError && <ErrorBanner error={layoutError} testId="topology-layout-error" />}
        {layoutState === 'running' && !loadError && (
          <div className="topo-busy" data-testid="topology-layout-busy">
            <Spinner label="Laying out" /> laying out…
          </div>
        )}
        <TopologyActions.Provider value={actions}>
          <ReactFlow
            nodes={shownNodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onNodeDragStop={onNodeDragStop}
            onNodeClick={(_e, n) => {
              const d = n.data;
              setSelection({ id: n.id, data: d });
              if (d.kind === 'hop' && d.fip_id) setFocus({ fip: d.fip_id });
              else if (d.kind === 'vm') {
                const f = detail?.vms.find((v) => v.id === d.port_id)?.fip_ids[0];
                setFocus(f ? { fip: f } : { node: n.id });
              } else setFocus({ node: n.id });
            }}
            onNodeDoubleClick={(_e, n) => {
              if (n.data.kind === 'pod' && n.data.pod_id && !n.data.group) drillPod(n.data.pod_id);
              if (n.data.kind === 'router' && n.data.router_id) go({ scope: 'router', id: n.data.router_id });
            }}
            // Level of detail while moving: a large drawing hides its edges during a pan or zoom
            // (software rasterising thousands of curves each frame drops to a few frames a second).
            onMoveStart={() => canvasRef.current?.classList.toggle('moving', heavy)}
            onMoveEnd={() => canvasRef.current?.classList.remove('moving')}
            onPaneClick={() => {
              setFocus({});
              setSelection(null);
            }}
            colorMode={theme}
            nodesConnectable={false}
            // Culling re-renders on every pan frame: worth it only for very many nodes.
            onlyRenderVisibleElements={nodes.length > 1500}
            minZoom={0.05}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={24} />
            <Controls showInteractive={false} />
            {/* The minimap redraws every node on every pan frame. */}
            {nodes.length > 20 && nodes.length <= 200 && <MiniMap pannable zoomable />}
          </ReactFlow>
        </TopologyActions.Provider>
        {selection && <Details selection={selection} summary={summary} detail={detailMatches ? detail : null} onClose={() => setSelection(null)} onOpen={(l) => go(l)} />}
      </div>
    </div>
  );
}

export function Topology() {
  const project = useApp((s) => s.project);
  // Read again on mount: pod health comes from reads made elsewhere, which send no event.
  const summaryQ = useCall('topology.summary', project ? { project_id: project } : {}, { keepPrevious: true, fresh: true });
  const summary: TopologySummary | null = summaryQ.data ?? null;
  const error = queryError(summaryQ);
  const loading = summaryQ.isFetching;
  const [level, setLevelState] = useState<Level>(() => levelFromHash(typeof location === 'undefined' ? '' : location.hash));

  // The level follows the hash (back and forward buttons) and writes it.
  useEffect(() => {
    const read = () => {
      const l = levelFromHash(location.hash);
      setLevelState((old) => (sameLevel(old, l) ? old : l));
    };
    window.addEventListener('hashchange', read);
    window.addEventListener('popstate', read);
    return () => {
      window.removeEventListener('hashchange', read);
      window.removeEventListener('popstate', read);
    };
  }, []);
  const setLevel = useCallback((l: Level) => {
    setLevelState(l);
    const h = hashOfLevel(l);
    if (location.hash !== h) history.pushState(null, '', h);
  }, []);
  useEffect(() => {
    const h = hashOfLevel(level);
    if (location.hash !== h && location.hash.replace(/^#\/?/, '').split('/')[0] === 'topology') history.replaceState(null, '', h);
  }, [level]);

  const empty = !!summary && !summary.pods.some((p) => !p.is_top);
  return (
    <div className="view view-topology" data-testid="view-topology">
      <ViewHeader title="Topology" loading={loading} />
      {error && <ErrorBanner error={error} testId="error-topology-load" />}
      {empty ? (
        <EmptyState title="Nothing to draw yet" testId="empty-topology">
          <p>Create pods and connect a router across them, or load the example lab.</p>
          <LoadExampleButton />
        </EmptyState>
      ) : summary ? (
        <ReactFlowProvider>
          <TopologyCanvas summary={summary} level={level} setLevel={setLevel} />
        </ReactFlowProvider>
      ) : null}
    </div>
  );
}
