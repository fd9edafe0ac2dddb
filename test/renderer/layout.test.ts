// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { buildTopology } from '../../renderer/topology/build';
import { layoutTopology } from '../../renderer/topology/layout';
import { snapshot } from './fixtures';

describe('topology layout (main-thread fallback under jsdom)', () => {
  it('places children inside their pods', async () => {
    const topo = buildTopology(snapshot);
    const boxes = await layoutTopology(topo);
    for (const n of topo.nodes) expect(boxes.has(n.id)).toBe(true);
    for (const n of topo.nodes) {
      if (!n.parentId) continue;
      const c = boxes.get(n.id)!;
      const p = boxes.get(n.parentId)!;
      expect(c.x).toBeGreaterThanOrEqual(0);
      expect(c.y).toBeGreaterThanOrEqual(0);
      expect(c.x + c.width).toBeLessThanOrEqual(p.width + 0.5);
      expect(c.y + c.height).toBeLessThanOrEqual(p.height + 0.5);
    }
  });
});
