// Lays out a Topo with ELK's layered algorithm (nested pods via INCLUDE_CHILDREN), in a Web
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
  hop: { width: 190, height: 46 },
};
export const COLLAPSED_POD = { width: 200, height: 96 };
const EMPTY_POD = { width: 200, height: 80 };

/** The ELK graph for a Topo: pods hold their children; every edge sits at the root. */
export function toElkGraph(topo: Topo): ElkNode {
  const byParent = new Map<string | undefined, Topo['nodes']>();
  for (const n of topo.nodes) {
    const list = byParent.get(n.parentId) ?? [];
    list.push(n);
    byParent.set(n.parentId, list);
  }
  const toElk = (n: Topo['nodes'][number]): ElkNode => {
    if (n.data.kind === 'pod') {
      const children = (byParent.get(n.id) ?? []).map(toElk);
      if (!children.length) return { id: n.id, ...(n.data.collapsed ? COLLAPSED_POD : EMPTY_POD) };
      return {
        id: n.id,
        layoutOptions: { 'elk.padding': '[top=44,left=18,bottom=18,right=18]' },
        children,
      };
    }
    return { id: n.id, ...NODE_SIZE[n.data.kind] };
  };
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.spacing.nodeNode': '28',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.componentComponent': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: (byParent.get(undefined) ?? []).map(toElk),
    edges: topo.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
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
