import type { StateCreator } from 'zustand';
import type { ErrorInfo } from '../api/errors';
import type { AppState } from './index';

export type Domain =
  | 'pods'
  | 'networks'
  | 'subnets'
  | 'ports'
  | 'routers'
  | 'fips'
  | 'jobs'
  | 'routings'
  | 'audit'
  | 'topology';

export interface Collection<T> {
  items: T[];
  loaded: boolean;
  loading: boolean;
  error: ErrorInfo | null;
}

export interface Paged<T, Q> {
  items: T[];
  query: Q;
  /** Markers of the pages before the current one; the current page's marker is the last. */
  markers: (string | undefined)[];
  next_marker: string | null;
  loaded: boolean;
  loading: boolean;
  error: ErrorInfo | null;
}

export type Slice<T> = StateCreator<AppState, [], [], T>;

export function emptyCollection<T>(): Collection<T> {
  return { items: [], loaded: false, loading: false, error: null };
}
