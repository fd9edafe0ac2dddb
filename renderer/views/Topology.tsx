import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useNodesInitialized,
  useReactFlow,
  type Edge,
  type NodeChange,
  type OnNodeDrag,
} from '@xyflow/react';
import type { ErrorInfo } from '../api/errors';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { Spinner } from '../components/Spinner';
import { buildTopology, highlightSet, labId, type Topo } from '../topology/build';
import { isIntraPod, layoutTopology } from '../topology/layout';
import { nodeTypes, TopologyActions, type FlowNode } from '../topology/nodes';
import { clearLayout, loadLayout, saveLayout, type SavedLayout } from '../topology/persist';
import { useApp } from '../store';
import { useItems, useTopology } from '../data/query';
import { LoadError, ViewHeader } from './common';
import { LoadExampleButton } from './Overview';
import { useEffectiveTheme } from '../theme';

/** Changes when the drawn structure changes (not when only highlighting does). */
function structureKey(t: Topo): string {
  // Sorted: the same graph listed in another order needs no new layout.
  const nodes = t.nodes.map((n) => `${n.id}<${n.parentId ?? ''}|${n.data.label}|${n.data.sub ?? ''}|${n.data.collapsed ? 1 : 0}|${n.data.counts ? JSON.stringify(n.data.counts) : ''}`);
  const edges = t.edges.map((e) => `${e.id}:${e.source}>${e.target}`);
  return `${nodes.sort().join(',')}#${edges.sort().join(',')}`;
}

function TopologyCanvas() {
  const snapshot = useTopology().snapshot;
  const networks = useItems('networks.list');
  const routers = useItems('routers.list');
  const focusFip = useApp((s) => s.focusFip);
  const setFocusFip = useApp((s) => s.setFocusFip);
  const theme = useEffectiveTheme();
  const { fitView } = useReactFlow();

  const lab = labId(snapshot);
  const saved = useRef<SavedLayout>(loadLayout(lab));
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set(saved.current.collapsed));
  const [layoutGen, setLayoutGen] = useState(0);
  useEffect(() => {
    saved.current = loadLayout(lab);
    setCollapsed(new Set(saved.current.collapsed));
  }, [lab]);

  const labels = useMemo(() => {
    const m = new Map<string, string>();
    for (const n of networks) if (n.name) m.set(n.id, n.name);
    for (const r of routers) if (r.name) m.set(r.id, r.name);
    return m;
  }, [networks, routers]);
  const topo = useMemo(() => (snapshot ? buildTopology(snapshot, { collapsed, labels }) : null), [snapshot, collapsed, labels]);
  const key = useMemo(() => (topo ? structureKey(topo) : ''), [topo]);

  const [nodes, setNodes] = useState<FlowNode[]>([]);
  const [layoutState, setLayoutState] = useState<'idle' | 'running' | 'ready' | 'failed'>('idle');
  const [layoutError, setLayoutError] = useState<ErrorInfo | null>(null);
  const [selected, setSelected] = useState<string | null>(focusFip);
  useEffect(() => {
    if (focusFip) {
      setSelected(focusFip);
      setFocusFip(null);
    }
  }, [focusFip, setFocusFip]);

  useEffect(() => {
    if (!topo) return;
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

  // Fit once the laid-out nodes are measured.
  const [fitPending, setFitPending] = useState(false);
  const initialised = useNodesInitialized();
  useEffect(() => {
    if (fitPending && initialised) {
      setFitPending(false);
      void fitView({ padding: 0.06, duration: 0 });
    }
  }, [fitPending, initialised, fitView]);

  const hl = useMemo(() => (topo ? highlightSet(topo, selected) : { nodes: new Set<string>(), edges: new Set<string>() }), [topo, selected]);
  const active = hl.nodes.size > 0;
  const shownNodes = useMemo(
    () =>
      nodes.map((n) => {
        const on = hl.nodes.has(n.id);
        const dim = active && !on && n.data.kind !== 'pod';
        return { ...n, className: on ? 'highlighted' : dim ? 'dimmed' : undefined, data: { ...n.data, highlighted: on, dimmed: dim } };
      }),
    [nodes, hl, active],
  );
  const parentOf = useMemo(() => new Map((topo?.nodes ?? []).map((n) => [n.id, n.parentId])), [topo]);
  const edges = useMemo<Edge[]>(
    () =>
      (topo?.edges ?? []).map((e) => {
        const on = hl.edges.has(e.id);
        const intra = isIntraPod(e, parentOf);
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          sourceHandle: intra ? 'b' : 'r',
          targetHandle: intra ? 't' : 'l',
          label: e.label,
          className: `edge-${e.kind}${on ? ' highlighted' : active ? ' dimmed' : ''}`,
          animated: on,
          zIndex: on ? 10 : 1,
          selectable: false,
        };
      }),
    [topo, hl, active, parentOf],
  );

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => setNodes((nds) => applyNodeChanges(changes, nds)), []);
  const persist = useCallback(
    (next: Partial<SavedLayout>) => {
      saved.current = { ...saved.current, ...next };
      saveLayout(lab, saved.current);
    },
    [lab],
  );
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
  const actions = useMemo(() => ({ togglePod }), [togglePod]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setSelected(null);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!snapshot || !topo) return null;
  const fips = snapshot.fips.filter((f) => f.hops.length);
  const pods = topo.nodes.filter((n) => n.data.kind === 'pod');

  return (
    <div className="topology">
      <aside className="topo-side" aria-label="Floating IPs and layout">
        <div className="row-actions">
          <button
            type="button"
            className="btn ghost"
            data-testid="topo-relayout"
            onClick={() => {
              clearLayout(lab);
              saved.current = { positions: {}, collapsed: [...collapsed] };
              persist({});
              setLayoutGen((g) => g + 1);
            }}
          >
            Re-layout
          </button>
          <button type="button" className="btn ghost" data-testid="topo-collapse-all" onClick={() => {
            const all = new Set(pods.map((p) => p.data.pod_id!).filter(Boolean));
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
        </div>
        <h2>Floating IPs</h2>
        {fips.length ? (
          <ul className="plain topo-fips">
            {fips.map((f) => (
              <li key={f.id}>
                <button
                  type="button"
                  className={`btn ghost mono${selected === f.id ? ' pressed' : ''}`}
                  aria-pressed={selected === f.id}
                  data-testid={`topo-fip-${f.hops[0].address}`}
                  onClick={() => setSelected(selected === f.id ? null : f.id)}
                >
                  {f.hops[0].address} <small>{f.mode}</small>
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No floating IPs.</p>
        )}
        <ul className="legend plain" aria-label="Legend">
          <li><span className="swatch external" /> external network</li>
          <li><span className="swatch bridge" /> bridge network (VLAN)</li>
          <li><span className="swatch tenant" /> tenant network</li>
          <li><span className="swatch router" /> router</li>
          <li><span className="swatch hop" /> floating IP hop</li>
        </ul>
      </aside>
      <div className="topo-canvas" data-testid="topology-canvas" data-layout-state={layoutState} data-highlight={selected ?? ''}>
        {layoutError && <ErrorBanner error={layoutError} testId="topology-layout-error" />}
        {layoutState === 'running' && (
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
              if (n.data.kind === 'hop' && n.data.fip_id) setSelected(selected === n.data.fip_id ? null : n.data.fip_id);
            }}
            onPaneClick={() => setSelected(null)}
            colorMode={theme}
            nodesConnectable={false}
            onlyRenderVisibleElements={nodes.length > 200}
            minZoom={0.1}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={24} />
            <Controls showInteractive={false} />
            {nodes.length > 20 && <MiniMap pannable zoomable />}
          </ReactFlow>
        </TopologyActions.Provider>
      </div>
    </div>
  );
}

export function Topology() {
  const topology = useTopology();
  const empty = topology.loaded && !!topology.snapshot && !topology.snapshot.pods.some((p) => !p.is_top);
  return (
    <div className="view view-topology" data-testid="view-topology">
      <ViewHeader title="Topology" loading={topology.loading} />
      <LoadError error={topology.error} testId="error-topology-load" />
      {empty ? (
        <EmptyState title="Nothing to draw yet" testId="empty-topology">
          <p>Create pods and connect a router across them, or load the example lab.</p>
          <LoadExampleButton />
        </EmptyState>
      ) : (
        <ReactFlowProvider>
          <TopologyCanvas />
        </ReactFlowProvider>
      )}
    </div>
  );
}
