import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useIsFetching } from '@tanstack/react-query';
import { ConfirmDialog, Toasts } from './components/Dialogs';
import { KeyboardHelp } from './components/KeyboardHelp';
import { useCall, useItems } from './data/query';
import { projectsOf } from './components/lookup';
import { ProgressBar } from './components/Spinner';
import { useApp } from './store';
import { getClient } from './store/client-ref';
import { invalidateAll } from './data/query';
import { useQueryClient } from '@tanstack/react-query';
import { CONSOLE_VIEW, viewFromHash, type ThemeChoice, type View } from './store/ui';
import { useApplyTheme } from './theme';
import { Audit } from './views/Audit';
import { Doctor } from './views/Doctor';
import { Jobs } from './views/Jobs';
import { Labs } from './views/Labs';
import { ExternalNetworks, Networks } from './views/Networks';
import { FloatingIps } from './views/FloatingIps';
import { Overview } from './views/Overview';
import { Pods } from './views/Pods';
import { Ports } from './views/Ports';
import { Routers } from './views/Routers';
import { Routings } from './views/Routings';
import { SecurityGroups } from './views/SecurityGroups';
import { Topology } from './views/Topology';

const NAV: { view: View; label: string; key: string }[] = [
  { view: 'overview', label: 'Overview', key: 'o' },
  { view: 'labs', label: 'Labs', key: 'b' },
  { view: 'pods', label: 'Pods', key: 'p' },
  { view: 'external', label: 'External networks', key: 'e' },
  { view: 'networks', label: 'Networks & subnets', key: 'n' },
  { view: 'routers', label: 'Routers', key: 'r' },
  { view: 'ports', label: 'Ports', key: 'v' },
  { view: 'fips', label: 'Floating IPs', key: 'f' },
  { view: 'secgroups', label: 'Security groups', key: 'g' },
  { view: 'topology', label: 'Topology', key: 't' },
  { view: 'jobs', label: 'Jobs', key: 'j' },
  { view: 'routings', label: 'Routing table', key: 'l' },
  { view: 'audit', label: 'Audit log', key: 'a' },
  { view: 'doctor', label: 'Doctor', key: 'd' },
];

const VIEW_COMPONENT: Record<View, () => React.JSX.Element> = {
  overview: Overview,
  labs: Labs,
  pods: Pods,
  external: ExternalNetworks,
  networks: Networks,
  routers: Routers,
  ports: Ports,
  fips: FloatingIps,
  secgroups: SecurityGroups,
  topology: Topology,
  jobs: Jobs,
  routings: Routings,
  audit: Audit,
  doctor: Doctor,
};

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName));
}

/** Keeps the view in the URL hash (#/fips) so reloads and links land on the same view. */
function useHashRoute() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  useEffect(() => {
    // The initial view comes from the hash when the store is created; this follows later edits.
    const read = () => {
      const v = viewFromHash();
      if (v) setView(v);
    };
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, [setView]);
  useEffect(() => {
    if (location.hash.replace(/^#\/?/, '').split('/')[0] !== view) history.replaceState(null, '', `#/${view}`);
  }, [view]);
}

function useShortcuts() {
  const setView = useApp((s) => s.setView);
  const setHelpOpen = useApp((s) => s.setHelpOpen);
  const pendingG = useRef(0);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (e.key === '?') {
        setHelpOpen(!useApp.getState().helpOpen);
        e.preventDefault();
        return;
      }
      if (e.key === 'Escape') {
        setHelpOpen(false);
        return;
      }
      if (e.key === '/') {
        setView('fips');
        e.preventDefault();
        requestAnimationFrame(() => document.getElementById('fip-search')?.focus());
        return;
      }
      if (e.key === 'g') {
        pendingG.current = Date.now();
        return;
      }
      if (pendingG.current && Date.now() - pendingG.current < 1500) {
        pendingG.current = 0;
        const target = NAV.find((n) => n.key === e.key);
        if (target) {
          setView(target.view);
          e.preventDefault();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setView, setHelpOpen]);
}

export function ProjectSelect() {
  const project = useApp((s) => s.project);
  const setProject = useApp((s) => s.setProject);
  // The lab's saved selection wins over this browser's: read again after a lab switch.
  const saved = useCall('view.get', { view: CONSOLE_VIEW });
  useEffect(() => {
    const p = saved.data?.state?.project;
    if (p !== undefined && p !== useApp.getState().project) useApp.setState({ project: p });
  }, [saved.data]);
  const networks = useItems('networks.list');
  const routers = useItems('routers.list');
  const projects = useMemo(() => projectsOf([networks, routers], [project]), [networks, routers, project]);
  return (
    <label className="header-field">
      <span>Project</span>
      <select value={project} onChange={(e) => setProject(e.target.value)} data-testid="project-select" aria-label="Project">
        <option value="">All projects</option>
        {projects.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
}

const noStatus = () => () => {};

/** A tab whose server went away says so, offers to reconnect, and comes back by itself. */
function ServerDown() {
  const t = getClient().transport;
  const status = useSyncExternalStore(t.onStatus ?? noStatus, () => t.status?.() ?? 'up');
  const qc = useQueryClient();
  const [trying, setTrying] = useState(false);
  const wasDown = useRef(false);
  useEffect(() => {
    if (status === 'down') wasDown.current = true;
    else if (wasDown.current) {
      // Back: whatever changed meanwhile is fetched again.
      wasDown.current = false;
      void invalidateAll(qc);
    }
  }, [status, qc]);
  if (status !== 'down') return null;
  return (
    <div className="error-banner server-down" role="alert" data-testid="server-down">
      <span>
        The Crosspod server at <code>{location.origin}</code> is not answering: it may have stopped. Start it again (<code>npm start</code>) and this page reconnects by itself.
      </span>
      <button
        type="button"
        className="btn primary"
        data-testid="server-reconnect"
        disabled={trying}
        onClick={() => {
          setTrying(true);
          void t.reconnect?.().finally(() => setTrying(false));
        }}
      >
        {trying ? 'Reconnecting…' : 'Reconnect'}
      </button>
    </div>
  );
}

/** The lab this console works on, one click from the Labs view (absent where one file is served). */
function CurrentLab() {
  const q = useCall('labs.current', {});
  const setView = useApp((s) => s.setView);
  if (!q.data) return null;
  return (
    <button type="button" className="btn ghost" data-testid="current-lab" title="Labs: switch, snapshot, export" onClick={() => setView('labs')}>
      Lab: <strong>{q.data.name}</strong>
      {q.data.real_regions.length > 0 && <span className="badge warn">real regions</span>}
    </button>
  );
}

function ThemeSelect() {
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  return (
    <label className="header-field">
      <span>Theme</span>
      <select value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)} data-testid="theme-select" aria-label="Theme">
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

export function App() {
  useApplyTheme();
  useHashRoute();
  useShortcuts();
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  // Ready once the pods have loaded (or failed to: the view then shows why).
  const pods = useCall('pods.list', { limit: 200 });
  const ready = pods.isSuccess || pods.isError;
  const helpOpen = useApp((s) => s.helpOpen);
  const setHelpOpen = useApp((s) => s.setHelpOpen);
  const acting = useApp((s) => Object.keys(s.busy).length > 0);
  const fetching = useIsFetching() > 0;
  const anyBusy = acting || fetching;
  useEffect(() => {
    document.documentElement.dataset.appState = ready ? 'ready' : 'loading';
  }, [ready]);
  const Current = VIEW_COMPONENT[view];
  return (
    <div className="app" data-testid="app" data-app-state={ready ? 'ready' : 'loading'} data-busy={anyBusy}>
      <ProgressBar active={anyBusy} />
      <header className="app-header">
        <span className="brand">Crosspod</span>
        <CurrentLab />
        <span className="spacer" />
        <ProjectSelect />
        <ThemeSelect />
        <button type="button" className="btn ghost" onClick={() => setHelpOpen(true)} data-testid="help-button" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
          ?
        </button>
      </header>
      <nav className="app-nav" aria-label="Views">
        {NAV.map((n) => (
          <button
            key={n.view}
            type="button"
            className={view === n.view ? 'active' : undefined}
            aria-current={view === n.view ? 'page' : undefined}
            onClick={() => setView(n.view)}
            data-testid={`nav-${n.view}`}
            title={`g ${n.key}`}
          >
            {n.label}
          </button>
        ))}
      </nav>
      <ServerDown />
      <main className="app-main">{ready ? <Current /> : <p className="muted">Loading…</p>}</main>
      {helpOpen && <KeyboardHelp onClose={() => setHelpOpen(false)} />}
      <ConfirmDialog />
      <Toasts />
    </div>
  );
}
