// Node positions and collapsed pods, kept in the lab's own database (`view.get` / `view.set`), so
// a layout travels with the lab file rather than staying in one browser. One document per level.
import { fetchCall, saveView } from '../data/query';
import type { ViewState } from '../../shared/topology';

export type SavedLayout = ViewState;
export const emptyLayout = (): SavedLayout => ({ positions: {}, collapsed: [] });

/** The view-state key of a level: `topology:estate`, `topology:pod:<id>`, … */
export const layoutKey = (level: Level) => (level.scope === 'estate' ? 'topology:estate' : `topology:${level.scope}:${level.id}`);

export type Level = { scope: 'estate' } | { scope: 'pod' | 'project' | 'router'; id: string };

/** Through the query cache: a level visited again reads its layout from there. */
export async function loadLayout(level: Level): Promise<SavedLayout> {
  const r = await fetchCall('view.get', { view: layoutKey(level) });
  return r.state ? { positions: r.state.positions ?? {}, collapsed: r.state.collapsed ?? [] } : emptyLayout();
}

export function saveLayout(level: Level, layout: SavedLayout): Promise<unknown> {
  return saveView({ view: layoutKey(level), state: layout });
}

/** The level named by the URL hash after the view (`#/topology/pod/<id>`); the estate otherwise. */
export function levelFromHash(hash: string): Level {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] !== 'topology' || parts.length < 3) return { scope: 'estate' };
  const scope = parts[1];
  const id = decodeURIComponent(parts.slice(2).join('/'));
  return scope === 'pod' || scope === 'project' || scope === 'router' ? { scope, id } : { scope: 'estate' };
}

export function hashOfLevel(level: Level): string {
  return level.scope === 'estate' ? '#/topology' : `#/topology/${level.scope}/${encodeURIComponent(level.id)}`;
}
