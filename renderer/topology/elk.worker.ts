// ELK layout off the main thread; the page posts {id, graph} and gets {id, graph|error} back.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';

const elk = new ELK();

self.onmessage = async (ev: MessageEvent<{ id: number; graph: ElkNode }>) => {
  const { id, graph } = ev.data;
  try {
    self.postMessage({ id, graph: await elk.layout(graph) });
  } catch (e) {
    self.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
