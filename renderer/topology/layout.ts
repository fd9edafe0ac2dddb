// Lays out a Topo with ELK's layered algorithm (pods as nested graphs), in a Web
// Worker when there is one; on the main thread otherwise (jsdom, or the worker failed).
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { Topo, TopoKind } from './build';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const NODE_SIZE: Record<Exclude<TopoKind, 'pod'>, { width: number; height: number }> = {
  router: { width: 150, height: 46 },
  network: { width: 190, height: 56 },
  hop: { width: 220, height: 46 },
};
export const COLLAPSED_POD = { width: 200, height: 96 };
const EMPTY_POD = { width: 200, height: 80 };

/** True when both ends of an edge sit in the same pod (drawn top-to-bottom inside it). */
export function isIntraPod(e: { source: string; target: string }, parentOf: ReadonlyMap<string, string | undefined>): boolean {
  const a = parentOf.get(e.source);
  return a !== undefined && a === parentOf.get(e.target);
}

/**
 * The ELK graph for a Topo. Each pod is laid out on its own, top to bottom, with the edges
 * inside it; the pods are then placed left to right, joined by their cross-pod edges lifted to
 * pod level. Keeps a long NAT chain from becoming one very wide row.
 */
export function toElkGraph(topo: Topo): ElkNode {
  const byParent = new Map<string | undefined, Topo['nodes']>();
  const parentOf = new Map<string, string | undefined>();
  for (const n of topo.nodes) {
    const list = byParent.get(n.parentId) ?? [];
    list.push(n);
    byParent.set(n.parentId, list);
    parentOf.set(n.id, n.parentId);
  }
  const inner = new Map<string, ElkNode['edges']>();
  const lifted = new Map<string, { id: string; sources: string[]; targets: string[] }>();
  for (const e of topo.edges) {
    if (isIntraPod(e, parentOf)) {
      const pod = parentOf.get(e.source)!;
      const list = inner.get(pod) ?? [];
      list.push({ id: e.id, sources: [e.source], targets: [e.target] });
      inner.set(pod, list);
      continue;
    }
    const s = parentOf.get(e.source) ?? e.source;
    const t = parentOf.get(e.target) ?? e.target;
    if (s === t || !parentOf.has(e.source) || !parentOf.has(e.target)) continue;
    const id = `lift:${s}>${t}`;
    if (!lifted.has(id)) lifted.set(id, { id, sources: [s], targets: [t] });
  }
  const toElk = (n: Topo['nodes'][number]): ElkNode => {
    if (n.data.kind === 'pod') {
      const children = (byParent.get(n.id) ?? []).map(toElk);
      if (!children.length) return { id: n.id, ...(n.data.collapsed ? COLLAPSED_POD : EMPTY_POD) };
      return {
        id: n.id,
        layoutOptions: {
          'elk.algorithm': 'layered',
          'elk.direction': 'DOWN',
          'elk.padding': '[top=44,left=18,bottom=18,right=18]',
          'elk.spacing.nodeNode': '22',
          'elk.layered.spacing.nodeNodeBetweenLayers': '34',
          'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
        },
        children,
        edges: inner.get(n.id) ?? [],
      };
    }
    return { id: n.id, ...NODE_SIZE[n.data.kind] };
  };
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.spacing.componentComponent': '50',
    },
    children: (byParent.get(undefined) ?? []).map(toElk),
    edges: [...lifted.values()],
  };
}

/** Positions relative to the parent (as React Flow wants for parentId children). */
export function boxesFromElk(root: ElkNode): Map<string, Box> {
  const out = new Map<string, Box>();
  const walk = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      out.set(c.id, { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
      walk(c);
    }
  };
  walk(root);
  return out;
}

type Runner = (graph: ElkNode) => Promise<ElkNode>;

let worker: Worker | null = null;
let workerBroken = false;
let seq = 0;
const waiting = new Map<number, { resolve: (g: ElkNode) => void; reject: (e: Error) => void }>();

function canUseWorker(): boolean {
  if (workerBroken || typeof Worker === 'undefined') return false;
  return !(typeof navigator !== 'undefined' && /jsdom/i.test(navigator.userAgent));
}

const inWorker: Runner = (graph) => {
  if (!worker) {
    worker = new Worker(new URL('./elk.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (ev: MessageEvent<{ id: number; graph?: ElkNode; error?: string }>) => {
      const w = waiting.get(ev.data.id);
      if (!w) return;
      waiting.delete(ev.data.id);
      if (ev.data.graph) w.resolve(ev.data.graph);
      else w.reject(new Error(ev.data.error ?? 'layout failed'));
    };
    worker.onerror = (ev) => {
      // A worker that cannot start (CSP, old runtime): every caller falls back to the main thread.
      ev.preventDefault?.();
      workerBroken = true;
      worker?.terminate();
      worker = null;
      for (const w of waiting.values()) w.reject(new Error('layout worker failed'));
      waiting.clear();
    };
  }
  const id = ++seq;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker!.postMessage({ id, graph });
  });
};

let mainElk: Promise<{ layout: Runner }> | null = null;
const onMainThread: Runner = async (graph) => {
  mainElk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default());
  return (await mainElk).layout(graph);
};

/** How long the worker may take before the main thread tries too (a stuck or starved worker). */
export const WORKER_PATIENCE_MS = 15_000;

export async function runElk(graph: ElkNode): Promise<ElkNode> {
  if (canUseWorker()) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        inWorker(graph),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('layout worker timed out')), WORKER_PATIENCE_MS);
        }),
      ]);
    } catch {
      // Fall through to the main thread.
    } finally {
      clearTimeout(timer);
    }
  }
  return onMainThread(graph);
}

export async function layoutTopology(topo: Topo): Promise<Map<string, Box>> {
  if (!topo.nodes.length) return new Map();
  return boxesFromElk(await runElk(toElkGraph(topo)));
}
