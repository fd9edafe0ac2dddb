// Shared loading logic for list slices: fetch every page, drop stale answers.
import type { Method, Output } from '../../shared/contract';
import type { Page } from '../../shared/model';
import { toErrorInfo } from '../api/errors';
import { getClient } from './client-ref';
import type { AppState } from './index';
import type { Collection } from './types';

type ListMethod = {
  [M in Method]: Output<M> extends Page<unknown> ? M : never;
}[Method];
type ItemOf<M extends ListMethod> = Output<M> extends Page<infer T> ? T : never;

const PAGE = 1000;
const MAX_PAGES = 100;

/** Every item of a list method, following next_marker. */
export async function fetchAll<M extends ListMethod>(method: M, filters: Record<string, string> = {}): Promise<ItemOf<M>[]> {
  const out: ItemOf<M>[] = [];
  let marker: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const input = { ...filters, limit: PAGE, ...(marker ? { marker } : {}) };
    const page = (await getClient().call(method, input as never)) as Page<ItemOf<M>>;
    out.push(...page.items);
    if (!page.next_marker || page.items.length === 0) break;
    marker = page.next_marker;
  }
  return out;
}

type CollectionKey = {
  [K in keyof AppState]: AppState[K] extends Collection<unknown> ? K : never;
}[keyof AppState];

type Set = (fn: (s: AppState) => Partial<AppState>) => void;

const generation = new Map<string, number>();

/** A loader that fills `key` from `fetch`, keeping the old items while loading. */
export function collectionLoader<K extends CollectionKey>(
  set: Set,
  key: K,
  fetch: () => Promise<AppState[K]['items']>,
): () => Promise<void> {
  return async () => {
    const gen = (generation.get(key) ?? 0) + 1;
    generation.set(key, gen);
    set((s) => ({ [key]: { ...s[key], loading: true } }) as Partial<AppState>);
    try {
      const items = await fetch();
      if (generation.get(key) !== gen) return;
      set(() => ({ [key]: { items, loaded: true, loading: false, error: null } }) as Partial<AppState>);
    } catch (e) {
      if (generation.get(key) !== gen) return;
      set((s) => ({ [key]: { ...s[key], loaded: true, loading: false, error: toErrorInfo(e) } }) as Partial<AppState>);
    }
  };
}
