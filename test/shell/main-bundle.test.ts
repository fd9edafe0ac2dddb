// The bundled shell (scripts/build-main.mjs) booted under plain Node with a fake 'electron':
// Electron's binary cannot run here, but main.ts's wiring can still be exercised end to end.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods } from '../../shared/contract';
import { CSP } from '../../main/serve/static';
import Database from 'better-sqlite3';
import { openStore } from '../../main/engine/store';

const root = join(__dirname, '..', '..');
let dir: string;
let appDir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-bundle-'));
  appDir = join(dir, 'app');
  execFileSync(process.execPath, [join(root, 'scripts', 'build-main.mjs'), join(appDir, 'dist', 'main')], { cwd: root });
  // The bundle resolves 'electron' and 'better-sqlite3' from its own node_modules.
  mkdirSync(join(appDir, 'node_modules', 'electron'), { recursive: true });
  writeFileSync(join(appDir, 'node_modules', 'electron', 'package.json'), JSON.stringify({ name: 'electron', type: 'module', main: 'index.js' }));
  copyFileSync(join(__dirname, 'fake-electron.mjs'), join(appDir, 'node_modules', 'electron', 'index.js'));
  symlinkSync(join(root, 'node_modules', 'better-sqlite3'), join(appDir, 'node_modules', 'better-sqlite3'), 'dir');
  mkdirSync(join(appDir, 'dist', 'renderer'), { recursive: true });
  writeFileSync(join(appDir, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Crosspod</title>');
  writeFileSync(join(appDir, 'package.json'), '{"secret": "outside the renderer"}');
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function boot(env: Record<string, string> = {}) {
  const userData = join(dir, `user-${Object.keys(env).join('-') || 'default'}`);
  const { CROSSPOD_DB: _db, ...base } = process.env;
  const r = spawnSync(process.execPath, [join(__dirname, 'shell-harness.mjs'), join(appDir, 'dist', 'main', 'shell.mjs')], {
    env: { ...base, FAKE_USER_DATA: userData, FAKE_APP_PATH: appDir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`harness failed (${r.status}): ${r.stderr}\n${r.stdout}`);
  const lines = r.stdout.trim().split('\n');
  return { out: JSON.parse(lines[lines.length - 1]), userData, stderr: r.stderr };
}

describe('build-main output', () => {
  it('bundles the preload without zod, requiring nothing but electron', () => {
    const preload = readFileSync(join(appDir, 'dist', 'main', 'preload.cjs'), 'utf8');
    const requires = [...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    for (const m of methods) expect(preload).toContain(`"${m}"`);
    expect(preload.length).toBeLessThan(20_000);
  });

  it('bundles the shell as ESM importing only electron, better-sqlite3 and node built-ins', () => {
    const shell = readFileSync(join(appDir, 'dist', 'main', 'shell.mjs'), 'utf8');
    const imports = [...shell.matchAll(/^import\s.*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]);
    for (const i of imports) expect(i === 'electron' || i === 'better-sqlite3' || i.startsWith('node:') || !i.includes('/'), i).toBe(true);
    expect(imports).toContain('electron');
    expect(readdirSync(join(appDir, 'dist', 'main', 'migrations')).sort()).toEqual(
      readdirSync(join(root, 'main', 'engine', 'store', 'migrations')).sort(),
    );
  });
});

describe('the shell booted with a fake electron', () => {
  let run: ReturnType<typeof boot>;
  beforeAll(() => {
    run = boot({ CROSSPOD_NO_SINGLE_INSTANCE: '' });
  }, 60_000);

  it('registers app:// as privileged before ready and serves the renderer with the CSP', () => {
    const { out } = run;
    expect(out.privilegedBeforeReady).toBe(true);
    expect(out.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(out.page).toEqual({ status: 200, csp: CSP, body: '<!doctype html><title>Crosspod</title>' });
    expect(out.escapeStatus).toBe(404);
    expect(out.errors).toEqual([]);
  });

  it('opens one locked-down window on app://crosspod with the preload', () => {
    const { options, loaded } = run.out.window;
    expect(loaded).toEqual(['app://crosspod/index.html']);
    expect(options.webPreferences).toEqual({
      preload: join(appDir, 'dist', 'main', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    });
    expect(options).toMatchObject({ width: 1280, height: 820, show: false });
  });

  it('serves the contract over IPC from the real engine, and checks the sender', () => {
    const { out, userData } = run;
    expect([...out.ipcChannels].sort()).toEqual(methods.map((m) => `crosspod:${m}`).sort());
    expect(out.created).toMatchObject({ ok: true, value: { region_name: 'RegionOne', is_top: true, driver: 'lab' } });
    expect(out.untrusted).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', status: 401 } });
    expect(out.events).toContainEqual(['crosspod:event', { name: 'pods.changed', ids: [out.created.value.pod_id] }]);
    // The labs of the user-data folder: a first start makes the lab "default" and remembers it.
    expect(existsSync(join(userData, 'labs', 'default.db'))).toBe(true);
    expect(JSON.parse(readFileSync(join(userData, 'labs.json'), 'utf8'))).toEqual({ last_lab: 'default' });
    // No keyring here (basic_text): the pod password is sealed with a 0600 key file instead.
    expect(out.neutron).toMatchObject({ ok: true, value: { driver: 'neutron', driver_config: { has_password: true } } });
    expect(JSON.stringify(out.neutron)).not.toContain('pw-S3cret-value');
    expect(statSync(join(userData, 'secret.key')).mode & 0o777).toBe(0o600);
    for (const f of readdirSync(join(userData, 'labs')).filter((n) => n.startsWith('default.db'))) {
      expect(readFileSync(join(userData, 'labs', f)).includes('pw-S3cret-value'), f).toBe(false);
    }
  });

  it('refuses navigation, new windows, webviews and permissions', () => {
    expect(run.out.lockdown).toEqual({
      navigateAway: true,
      navigateInApp: false,
      redirectAway: true,
      webview: true,
      windowOpen: { action: 'deny' },
    });
    expect(run.out.permissions).toEqual({ request: false, check: false });
  });

  it('sends menu commands to the renderer and opens the backups folder', () => {
    expect(run.out.menuSent).toEqual([
      ['crosspod:menu', { type: 'navigate', view: 'pods' }],
      ['crosspod:menu', { type: 'theme', dark: true }],
      ['crosspod:menu', { type: 'shortcuts' }],
    ]);
    expect(run.out.openedPaths).toEqual([join(run.userData, 'backups')]);
  });

  it('saves the window state and takes a backup on quit', () => {
    const { userData, out } = run;
    expect(JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8'))).toEqual({
      x: 40,
      y: 50,
      width: 1111,
      height: 777,
      maximized: false,
    });
    expect(readdirSync(join(userData, 'backups')).filter((f) => /^default-quit-.*\.db$/.test(f))).toHaveLength(1);
    expect(out.quitCalls).toBe(2); // the first is held until the backup is done
  });
});

describe('labs in the desktop app', () => {
  it('reopens the last lab', async () => {
    const userData = join(dir, 'user-CROSSPOD_LAB_TEST');
    (await openStore(join(userData, 'labs', 'alpha.db'))).close();
    (await openStore(join(userData, 'labs', 'beta.db'))).close();
    writeFileSync(join(userData, 'labs.json'), JSON.stringify({ last_lab: 'beta' }));
    const { out } = boot({ CROSSPOD_LAB_TEST: '1' });
    expect(out.created).toMatchObject({ ok: true });
    const count = (name: string) => {
      const db = new Database(join(userData, 'labs', `${name}.db`), { readonly: true });
      try {
        return db.prepare('SELECT COUNT(*) FROM pods').pluck().get();
      } finally {
        db.close();
      }
    };
    // The harness's pods went into beta, the lab last open; no "default" was made.
    expect([count('alpha'), count('beta') as number > 0]).toEqual([0, true]);
    expect(existsSync(join(userData, 'labs', 'default.db'))).toBe(false);
  });

  it('adopts the crosspod.db of an older version as the lab "default"', async () => {
    const userData = join(dir, 'user-CROSSPOD_LEGACY_TEST');
    const old = await openStore(join(userData, 'crosspod.db'));
    old.db.prepare("INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, created_at, updated_at) VALUES ('p', 'OldRegion', 'az1', '', '', 'lab', 'x', 'x')").run();
    old.close();
    boot({ CROSSPOD_LEGACY_TEST: '1' });
    expect(existsSync(join(userData, 'crosspod.db'))).toBe(false);
    const db = new Database(join(userData, 'labs', 'default.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT region_name FROM pods ORDER BY region_name').pluck().all()).toContain('OldRegion');
    } finally {
      db.close();
    }
  });
});

describe('single instance', () => {
  it('quits at once when another instance holds the lock', () => {
    const { out } = boot({ FAKE_LOCK: '0' });
    expect(out).toMatchObject({ quitCalls: 1, windows: 0, ipcChannels: 0 });
  });

  it('ignores the lock when CROSSPOD_NO_SINGLE_INSTANCE=1', () => {
    const { out } = boot({ FAKE_LOCK: '0', CROSSPOD_NO_SINGLE_INSTANCE: '1' });
    expect(out.created).toMatchObject({ ok: true });
  });
});
