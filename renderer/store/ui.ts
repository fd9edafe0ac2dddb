import { toErrorInfo, type ErrorInfo } from '../api/errors';
import type { TestConnectionResult } from '../../shared/contract';
import type { Slice } from './types';
import { getClient } from './client-ref';

export const VIEWS = [
  'overview',
  'labs',
  'pods',
  'external',
  'networks',
  'routers',
  'ports',
  'fips',
  'secgroups',
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
/** The lab's view state that holds the console's own choices. */
export const CONSOLE_VIEW = 'console';

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
  // The first segment names the view; the topology keeps its level after it (#/topology/pod/<id>).
  const h = typeof location === 'undefined' ? '' : location.hash.replace(/^#\/?/, '').split('/')[0];
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
  /** Floating IP to highlight when the topology opens. */
  focusFip: string | null;
  /** Per action key (e.g. `fips.associate:<id>`): running or not. */
  busy: Record<string, boolean>;
  /** Per action key: the last failure, shown where the action was taken. */
  errors: Record<string, ErrorInfo | undefined>;
  /** Per pod: the last connection test. */
  connection: Record<string, TestConnectionResult | undefined>;
  setView(v: View): void;
  setProject(p: string): void;
  setTheme(t: ThemeChoice): void;
  setHelpOpen(open: boolean): void;
  setFocusFip(id: string | null): void;
  setConnection(podId: string, r: TestConnectionResult): void;
  /**
   * Runs an action: marks it busy and records its error where it was taken. What it changed comes
   * back through the engine's events, which invalidate the queries on screen.
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** Records a failure for `key` without calling anything. */
  fail(key: string, error: ErrorInfo): void;
  clearError(key: string): void;
}

export const createUiSlice: Slice<UiSlice> = (set) => ({
  view: viewFromHash() ?? 'overview',
  project: readPref(PROJECT_KEY) ?? '',
  theme: initialTheme(),
  helpOpen: false,
  focusFip: null,
  busy: {},
  errors: {},
  connection: {},
  setView: (view) => set({ view }),
  setProject: (project) => {
    writePref(PROJECT_KEY, project);
    set({ project });
    // The selection belongs to the lab (view `console`), so it travels with it and follows a switch.
    try {
      void getClient()
        .call('view.set', { view: CONSOLE_VIEW, state: { positions: {}, collapsed: [], project } })
        .catch(() => undefined);
    } catch {
      // no client yet (tests of the store alone): the local choice stands
    }
  },
  setTheme: (theme) => {
    writePref(THEME_KEY, theme);
    set({ theme });
  },
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  setFocusFip: (focusFip) => set({ focusFip }),
  setConnection: (podId, r) => set((s) => ({ connection: { ...s.connection, [podId]: r } })),
  run: async (key, fn) => {
    set((s) => ({ busy: { ...s.busy, [key]: true }, errors: { ...s.errors, [key]: undefined } }));
    try {
      return await fn();
    } catch (e) {
      set((s) => ({ errors: { ...s.errors, [key]: toErrorInfo(e) } }));
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
});
