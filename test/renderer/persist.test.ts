// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { clearLayout, loadLayout, saveLayout } from '../../renderer/topology/persist';

beforeEach(() => localStorage.clear());

describe('topology layout persistence', () => {
  it('keeps positions and collapsed pods per lab', () => {
    saveLayout('lab-a', { positions: { 'router:p1:r': { x: 10, y: 20 } }, collapsed: ['p2'] });
    saveLayout('lab-b', { positions: {}, collapsed: [] });
    expect(loadLayout('lab-a')).toEqual({ positions: { 'router:p1:r': { x: 10, y: 20 } }, collapsed: ['p2'] });
    expect(loadLayout('lab-b')).toEqual({ positions: {}, collapsed: [] });
    clearLayout('lab-a');
    expect(loadLayout('lab-a')).toEqual({ positions: {}, collapsed: [] });
  });

  it('survives corrupt storage', () => {
    localStorage.setItem('crosspod.layout.x', '{not json');
    expect(loadLayout('x')).toEqual({ positions: {}, collapsed: [] });
  });
});
