// Lays out a Topo with ELK's layered algorithm (pods as nested graphs), in a Web
// Worker when there is one; on the main thread otherwise (jsdom, or the worker failed).
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { Topo, TopoKind } from './graph';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const NODE_SIZE: Record<Exclude<TopoKind, 'pod'>, { width: number; height: number }> = {
  segment: { width: 220, height: 58 },
  router: { width: 170, height: 50 },
  network: { width: 200, height: 56 },
  vm: { width: 170, height: 46 },
  hop: { width: 210, height: 46 },
  more: { width: 170, height: 46 },
};
export const LEAF_POD = { width: 230, height: 84 };

/** The drawn node at the top level that holds a node (itself when it has no parent). */
function topOf(id: string, parentOf: ReadonlyMap<string, string | undefined>): string {
  let cur = id;
  for (let p = parentOf.get(cur); p !== undefined; p = parentOf.get(cur)) cur = p;
  return cur;
}

/** True when both ends of an edge sit in the same pod (drawn top-to-bottom inside it). */
export function isIntraPod(e: { source: string; target: string }, parentOf: ReadonlyMap<string, string | undefined>): boolean {
  const a = parentOf.get(e.source);
  return a !== undefined && a === parentOf.get(e.target);
}

/**
 * The ELK graph for a Topo. Each pod group is laid out on its own, top to bottom, with the edges
 * inside it; the top level (pods, pods drawn as one node, segments) left to right, joined by the
 * edges between them lifted to the top level, so a segment sits between the pods it joins.
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
    if (!parentOf.has(e.source) || !parentOf.has(e.target)) continue;
    if (isIntraPod(e, parentOf)) {
      const pod = parentOf.get(e.source)!;
      const list = inner.get(pod) ?? [];
      list.push({ id: e.id, sources: [e.source], targets: [e.target] });
      inner.set(pod, list);
      continue;
    }
    const s = topOf(e.source, parentOf);
    const t = topOf(e.target, parentOf);
    if (s === t) continue;
    const id = `lift:${s}>${t}`;
    if (!lifted.has(id)) lifted.set(id, { id, sources: [s], targets: [t] });
  }
  const toElk = (n: Topo['nodes'][number]): ElkNode => {
    if (n.data.kind === 'pod') {
      const kids = byParent.get(n.id) ?? [];
      if (!kids.length) return { id: n.id, ...LEAF_POD };
      const { children, edges } = packRows(n.id, kids.map(toElk), kids, inner.get(n.id) ?? []);
      return {
        id: n.id,
        layoutOptions: {
          'elk.algorithm': 'layered',
          'elk.direction': 'DOWN',
          'elk.padding': '[top=44,left=18,bottom=18,right=18]',
          'elk.spacing.nodeNode': '22',
          'elk.layered.spacing.nodeNodeBetweenLayers': '38',
          'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
          'elk.separateConnectedComponents': 'false',
        },
        children,
        edges,
      };
    }
    return { id: n.id, ...NODE_SIZE[n.data.kind] };
  };
  // Many nodes per layer (an estate's segments) make a tall, thin drawing: spread the layers
  // apart and pack each one tighter, towards the screen's shape.
  const top = byParent.get(undefined) ?? [];
  const crowded = top.length > 24;
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': crowded ? '14' : '36',
      'elk.layered.spacing.nodeNodeBetweenLayers': crowded ? String(Math.min(900, 110 + top.length * 8)) : '110',
      'elk.spacing.componentComponent': '60',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: top.map(toElk),
    edges: [...lifted.values()],
  };
}

const BOX = 'box:';
/** More siblings of one sort than this are packed into rows instead of one very wide layer. */
export const PACK_OVER = 6;

/**
 * Inside a pod, many floating-IP hops of one sort (same role and network), or many VMs and
 * omitted-port notes, would make one very wide layer: they go into a box that packs them in rows, and the
 * edges to them are laid out to the box (React Flow still draws each edge to its node).
 */
function packRows(podId: string, elkKids: ElkNode[], kids: Topo['nodes'], edges: NonNullable<ElkNode['edges']>): { children: ElkNode[]; edges: NonNullable<ElkNode['edges']> } {
  const groups = new Map<string, number[]>();
  kids.forEach((k, i) => {
    if (k.data.kind !== 'hop' && k.data.kind !== 'vm' && k.data.kind !== 'more') return;
    // Hops by role and network; a pod's VMs and "+N more" notes all together, whatever their
    // network: one per network side by side made a drilled-in pod one very wide row.
    const key = k.data.kind === 'hop' ? `hop|${k.data.role ?? ''}|${k.data.network_id ?? ''}` : 'leaf';
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const boxOf = new Map<string, string>();
  const children: ElkNode[] = [];
  const packed = new Set<number>();
  let g = 0;
  for (const idx of groups.values()) {
    if (idx.length <= PACK_OVER) continue;
    const id = `${BOX}${podId}:${g++}`;
    for (const i of idx) {
      packed.add(i);
      boxOf.set(kids[i].id, id);
    }
    children.push({
      id,
      layoutOptions: { 'elk.algorithm': 'rectpacking', 'elk.aspectRatio': '2.4', 'elk.spacing.nodeNode': '12', 'elk.padding': '[top=0,left=0,bottom=0,right=0]' },
      children: idx.map((i) => elkKids[i]),
    });
  }
  if (!packed.size) return { children: elkKids, edges };
  const out = new Map<string, NonNullable<ElkNode['edges']>[number]>();
  for (const e of edges) {
    const s = boxOf.get(e.sources[0]) ?? e.sources[0];
    const t = boxOf.get(e.targets[0]) ?? e.targets[0];
    if (s === t) continue;
    const id = s === e.sources[0] && t === e.targets[0] ? e.id : `${e.id}@${s}>${t}`;
    const key = `${s}>${t}`;
    if (!out.has(key)) out.set(key, { id, sources: [s], targets: [t] });
  }
  return { children: [...elkKids.filter((_, i) => !packed.has(i)), ...children], edges: [...out.values()] };
}

/** Positions relative to the parent (as React Flow wants for parentId children). */
export function boxesFromElk(root: ElkNode): Map<string, Box> {
  const out = new Map<string, Box>();
  const walk = (n: ElkNode, dx = 0, dy = 0) => {
    for (const c of n.children ?? []) {
      // A packing box is not drawn: its nodes belong to the pod, offset by the box's place.
      if (c.id.startsWith(BOX)) {
        walk(c, dx + (c.x ?? 0), dy + (c.y ?? 0));
        continue;
      }
      out.set(c.id, { x: dx + (c.x ?? 0), y: dy + (c.y ?? 0), width: c.width ?? 0, height: c.height ?? 0 });
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

/**
 * A flat graph (the estate) is laid out by blockLayout on the spot: ELK takes seconds to start and
 * tens of seconds on a 100-pod estate. Pods with their contents (a detail) go to ELK.
 */
export async function layoutTopology(topo: Topo): Promise<Map<string, Box>> {
  if (!topo.nodes.length) return new Map();
  if (topo.nodes.every((n) => !n.parentId)) return blockLayout(topo);
  return boxesFromElk(await runElk(toElkGraph(topo)));
}

/** Starts the layout worker and ELK ahead of the first drill-down. */
export function warmLayout(): void {
  void runElk({ id: 'warm', children: [{ id: 'a', width: 1, height: 1 }] }).catch(() => undefined);
}

/**
 * A fast layered layout for a large flat graph (ELK takes tens of seconds on a 100-pod estate):
 * layers by longest path from the sources, each layer ordered by its predecessors' places
 * (one barycentre pass) and packed into a block of a few columns, blocks left to right.
 */
export function blockLayout(topo: Topo): Map<string, Box> {
  const ids = topo.nodes.map((n) => n.id);
  const sizes = new Map(topo.nodes.map((n) => [n.id, n.data.kind === 'pod' ? LEAF_POD : NODE_SIZE[n.data.kind]]));
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of topo.edges) if (preds.has(e.target) && preds.has(e.source) && e.kind !== 'link') preds.get(e.target)!.push(e.source);
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle: cut here
    visiting.add(id);
    const d = Math.max(-1, ...preds.get(id)!.map(depth)) + 1;
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  for (const id of ids) depth(id);
  const layers: string[][] = [];
  for (const id of ids) (layers[layer.get(id)!] ??= []).push(id);
  const out = new Map<string, Box>();
  const rank = new Map<string, number>();
  let x = 0;
  const gap = 28;
  for (const members of layers) {
    if (!members?.length) continue;
    const bary = (id: string) => {
      const p = preds.get(id)!.filter((q) => rank.has(q));
      return p.length ? p.reduce((a, q) => a + rank.get(q)!, 0) / p.length : 0;
    };
    members.sort((a, b) => bary(a) - bary(b));
    const cols = Math.max(1, Math.ceil(Math.sqrt(members.length / 6)));
    const w = Math.max(...members.map((id) => sizes.get(id)!.width));
    const h = Math.max(...members.map((id) => sizes.get(id)!.height));
    const perCol = Math.ceil(members.length / cols);
    members.forEach((id, i) => {
      const c = Math.floor(i / perCol);
      const r = i % perCol;
      const sz = sizes.get(id)!;
      out.set(id, { x: x + c * (w + gap), y: r * (h + gap), width: sz.width, height: sz.height });
      rank.set(id, i / members.length);
    });
    x += cols * (w + gap) + 160;
  }
  return out;
}
