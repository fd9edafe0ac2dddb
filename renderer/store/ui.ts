import { toErrorInfo, type ErrorInfo } from '../api/errors';
import type { Domain, Slice } from './types';

export const VIEWS = [
  'overview',
  'pods',
  'external',
  'networks',
  'routers',
  'ports',
  'fips',
  'topology',
  'jobs',
  'routings',
  'audit',
  'doctor',
] as const;
export type View = (typeof VIEWS)[number];
export type ThemeChoice = 'system' | 'light' | 'dark';

export function isView(v: string): v is View {
  return (VIEWS as readonly string[]).includes(v);
}

const THEME_KEY = 'crosspod.theme';
const PROJECT_KEY = 'crosspod.project';

function readPref(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function writePref(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // Storage may be unavailable (private mode); the choice then lasts for the session.
  }
}

/** The view named by the URL hash (#/fips), so a reload lands where it was. */
export function viewFromHash(): View | null {
  const h = typeof location === 'undefined' ? '' : location.hash.replace(/^#\/?/, '');
  return isView(h) ? h : null;
}

function initialTheme(): ThemeChoice {
  const t = readPref(THEME_KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

export interface UiSlice {
  view: View;
  /** '' means all projects. */
  project: string;
  theme: ThemeChoice;
  helpOpen: boolean;
  ready: boolean;
  /** Floating IP to highlight when the topology opens. */
  focusFip: string | null;
  /** Per action key (e.g. `fips.associate:<id>`): running or not. */
  busy: Record<string, boolean>;
  /** Per action key: the last failure, shown where the action was taken. */
  errors: Record<string, ErrorInfo | undefined>;
  setView(v: View): void;
  setProject(p: string): void;
  setTheme(t: ThemeChoice): void;
  setHelpOpen(open: boolean): void;
  setFocusFip(id: string | null): void;
  /** Runs an action: marks it busy, records its error, refreshes `refresh` after success. */
  run<T>(key: string, fn: () => Promise<T>, refresh?: Domain[]): Promise<T | undefined>;
  /** Records a failure for `key` without calling anything (client-side checks). */
  fail(key: string, error: ErrorInfo): void;
  clearError(key: string): void;
  refresh(domains: Domain[], opts?: { onlyLoaded?: boolean }): Promise<void>;
  bootstrap(): Promise<void>;
}

export const createUiSlice: Slice<UiSlice> = (set, get) => {
  const pending = new Set<Domain>();
  let flushing: Promise<void> | null = null;

  function loader(d: Domain): () => Promise<void> {
    const s = get();
    switch (d) {
      case 'pods': return s.loadPods;
      case 'networks': return s.loadNetworks;
      case 'subnets': return s.loadSubnets;
      case 'ports': return s.loadPorts;
      case 'routers': return s.loadRouters;
      case 'fips': return s.loadFips;
      case 'jobs': return s.loadJobs;
      case 'routings': return s.loadRoutings;
      case 'audit': return s.loadAudit;
      case 'topology': return s.loadTopology;
    }
  }

  return {
    view: viewFromHash() ?? 'overview',
    project: readPref(PROJECT_KEY) ?? '',
    theme: initialTheme(),
    helpOpen: false,
    ready: false,
    focusFip: null,
    busy: {},
    errors: {},
    setView: (view) => set({ view }),
    setProject: (project) => {
      writePref(PROJECT_KEY, project);
      set({ project });
      void get().refresh(['topology'], { onlyLoaded: true });
    },
    setTheme: (theme) => {
      writePref(THEME_KEY, theme);
      set({ theme });
    },
    setHelpOpen: (helpOpen) => set({ helpOpen }),
    setFocusFip: (focusFip) => set({ focusFip }),
    run: async (key, fn, refresh) => {
      set((s) => ({ busy: { ...s.busy, [key]: true }, errors: { ...s.errors, [key]: undefined } }));
      try {
        const value = await fn();
        if (refresh?.length) await get().refresh(refresh, { onlyLoaded: true });
        return value;
      } catch (e) {
        set((s) => ({ errors: { ...s.errors, [key]: toErrorInfo(e) } }));
        // A failed action may still have changed something (a partial bulk action).
        if (refresh?.length) void get().refresh(refresh, { onlyLoaded: true });
        return undefined;
      } finally {
        set((s) => {
          const busy = { ...s.busy };
          delete busy[key];
          return { busy };
        });
      }
    },
    fail: (key, error) => set((s) => ({ errors: { ...s.errors, [key]: error } })),
    clearError: (key) => set((s) => ({ errors: { ...s.errors, [key]: undefined } })),
    refresh: (domains, opts) => {
      const s = get();
      for (const d of domains) {
        if (opts?.onlyLoaded && !(s[d] as { loaded: boolean }).loaded) continue;
        pending.add(d);
      }
      if (!flushing) {
        // Coalesce bursts of events into one fetch per domain.
        flushing = Promise.resolve().then(async () => {
          const todo = [...pending];
          pending.clear();
          flushing = null;
          await Promise.all(todo.map((d) => loader(d)()));
        });
      }
      return flushing;
    },
    bootstrap: async () => {
      await get().refresh(['pods', 'networks', 'subnets', 'ports', 'routers', 'fips', 'jobs']);
      set({ ready: true });
    },
  };
};
