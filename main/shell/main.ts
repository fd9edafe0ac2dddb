// The Electron main process: lifecycle, the one window, the app:// protocol, IPC, the menu and
// backups. Thin on purpose: everything testable lives in the sibling modules.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, safeStorage, screen, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adoptLegacyDb, dataDirLayout, openLabHost, singleFileLayout, type LabHost } from '../engine/labs/host';
import { ensurePrivateDir } from '../engine/store';
import type { Engine } from '../engine/types';
import { listBackups, pruneBackups, restoreBackup } from './backups';
import { MENU_CHANNEL } from './channels';
import { forwardEvents, registerIpcHandlers, trustedSender } from './ipc';
import { labMenuActions, labMenuState, type LabMenuState } from './lab-menu';
import { buildMenuTemplate, type MenuCommand } from './menu';
import { APP_SCHEME, APP_URL, createAppHandler } from './protocol';
import { shellSecretBox } from './secrets';
import { loadWindowState, saveWindowState } from './window-state';

const QUIT_BACKUPS_KEPT = 10;
const RESTORE_BACKUPS_KEPT = 5;

const here = dirname(fileURLToPath(import.meta.url));
// The bundle sits in dist/main/ beside preload.cjs and migrations/ (scripts/build-main.mjs); the
// store finds migrations/ through import.meta.url, which in the bundle is dist/main/shell.mjs.
const preloadPath = join(here, 'preload.cjs');
const rendererDir = join(app.getAppPath(), 'dist', 'renderer');
const devServerUrl = app.isPackaged ? undefined : process.env.CROSSPOD_DEV_URL || undefined;
const isTrusted = trustedSender(devServerUrl);

// Must happen before 'ready': app:// behaves like https (standard, secure, fetch allowed).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let engine: Engine | null = null;
let unregisterIpc: (() => void) | null = null;
let stopEvents: (() => void) | null = null;
let win: BrowserWindow | null = null;
let quitting: 'no' | 'closing' | 'done' = 'no';

const userData = () => app.getPath('userData');
/** $CROSSPOD_DB: that one file (single-lab mode); else the labs of the user-data folder. */
const singleDb = () => process.env.CROSSPOD_DB || null;
const dbPath = () => (engine as LabHost | null)?.file ?? singleDb() ?? join(userData(), 'labs');
const windowStateFile = () => join(userData(), 'window-state.json');

/**
 * The lab host: every lab one file in <userData>/labs, the last one reopened (labs.json); labs.*
 * switch the engine behind it without a restart, and IPC and events follow it.
 */
function openEngine(): Promise<Engine> {
  const db = singleDb();
  if (!db) adoptLegacyDb(userData());
  return openLabHost({
    ...(db ? singleFileLayout(db) : dataDirLayout(userData())),
    engine: { secrets: shellSecretBox(safeStorage, join(userData(), 'secret.key')) },
  });
}

/** Binds IPC and events to the current engine (again after a restore). */
function bind(e: Engine): void {
  unregisterIpc?.();
  stopEvents?.();
  engine = e;
  unregisterIpc = registerIpcHandlers(ipcMain, e, { isTrustedSender: isTrusted });
  stopEvents = win ? forwardEvents(e, win.webContents) : null;
  // The integrity check runs after open; a corrupt file ends the session as it did at start-up
  // (the engine already refuses every call with DATABASE_CORRUPT).
  e.integrity().catch((err: unknown) => {
    if (engine !== e) return;
    dialog.showErrorBox('Crosspod could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
}

function sendMenu(cmd: MenuCommand): void {
  if (win && !win.isDestroyed()) win.webContents.send(MENU_CHANNEL, cmd);
}

function createWindow(): void {
  const state = loadWindowState(
    windowStateFile(),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  win = new BrowserWindow({
    ...state,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Crosspod',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#111418' : '#ffffff',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());
  win.on('close', () => {
    if (!win) return;
    saveWindowState(windowStateFile(), { ...win.getNormalBounds(), maximized: win.isMaximized() });
  });
  win.on('closed', () => {
    stopEvents?.();
    stopEvents = null;
    win = null;
  });
  if (engine) stopEvents = forwardEvents(engine, win.webContents);
  void win.loadURL(devServerUrl ?? APP_URL);
}

/** Navigation, new windows and <webview> are refused for every web contents. */
function lockDownContents(): void {
  app.on('web-contents-created', (_e, contents) => {
    // Only the app itself (or the dev server) may be shown; links never navigate the window.
    contents.on('will-navigate', (event, url) => {
      if (!isTrusted({ url })) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isTrusted({ url })) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

async function chooseAndRestore(): Promise<void> {
  if (!engine) return;
  const backups = listBackups(engine.store.backupDir, engine.store.file);
  if (backups.length === 0) {
    await dialog.showMessageBox({ type: 'info', message: 'There are no backups yet.', detail: engine.store.backupDir });
    return;
  }
  const shown = backups.slice(0, 12);
  const choice = await dialog.showMessageBox({
    type: 'question',
    title: 'Restore from Backup',
    message: 'Restore which backup? The current state is backed up first ("before-restore").',
    buttons: [...shown.map((b) => `${b.mtime.toLocaleString()} (${b.label})`), 'Cancel'],
    cancelId: shown.length,
    defaultId: shown.length,
    noLink: true,
  });
  const picked = shown[choice.response];
  if (!picked) return;
  const result = await restoreBackup(engine, picked.file, openEngine);
  bind(result.engine);
  pruneBackups(result.engine.store.backupDir, result.engine.store.file, 'before-restore', RESTORE_BACKUPS_KEPT);
  win?.webContents.reload();
  if (result.error) {
    const msg = result.error instanceof Error ? result.error.message : String(result.error);
    await dialog.showMessageBox({ type: 'error', message: 'That backup could not be opened; nothing changed.', detail: msg });
  }
}

const labActions = labMenuActions(() => engine, {
  saveFile: async (defaultPath) => {
    const r = win ? await dialog.showSaveDialog(win, { defaultPath, filters: [{ name: 'Crosspod lab', extensions: ['json'] }] }) : await dialog.showSaveDialog({ defaultPath });
    return r.canceled || !r.filePath ? null : r.filePath;
  },
  openFile: async () => {
    const opts = { properties: ['openFile' as const], filters: [{ name: 'Crosspod lab', extensions: ['json'] }] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
  confirm: async (message, detail) => (await dialog.showMessageBox({ type: 'question', message, detail, buttons: ['Restore', 'Cancel'], defaultId: 1, cancelId: 1, noLink: true })).response === 0,
  error: (message, detail) => dialog.showErrorBox(message, detail),
});

/** The File menu follows the labs: rebuilt after every labs.changed. */
function watchLabsForMenu(e: Engine): void {
  e.subscribe((ev) => {
    if (ev.name === 'labs.changed') void refreshMenu();
  });
}

async function refreshMenu(): Promise<void> {
  installMenu(engine ? await labMenuState(engine) : undefined);
}

function installMenu(labs?: LabMenuState): void {
  const template = buildMenuTemplate(
    {
      ...labActions,
      openBackupsFolder: () => {
        if (engine) void shell.openPath(engine.store.backupDir);
      },
      restoreBackup: () => {
        chooseAndRestore().catch((e: unknown) => dialog.showErrorBox('Restore failed', (e as Error).message));
      },
      navigate: (view) => sendMenu({ type: 'navigate', view }),
      toggleDarkMode: () => {
        const dark = !nativeTheme.shouldUseDarkColors;
        nativeTheme.themeSource = dark ? 'dark' : 'light';
        sendMenu({ type: 'theme', dark });
      },
      showShortcuts: () => sendMenu({ type: 'shortcuts' }),
      showAbout: () => {
        void dialog.showMessageBox({
          type: 'info',
          title: 'About Crosspod',
          message: `Crosspod ${app.getVersion()}`,
          detail: `Cross-pod L3 networking across OpenStack regions.\nElectron ${process.versions.electron}, Node ${process.versions.node}\nDatabase: ${dbPath()}`,
        });
      },
    },
    { isMac: process.platform === 'darwin', appName: 'Crosspod', labs },
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function start(): Promise<void> {
  // The data folder holds the database and its key: owner-only whatever the umask.
  ensurePrivateDir(userData(), true);
  lockDownContents();
  protocol.handle(APP_SCHEME, createAppHandler(rendererDir));
  bind(await openEngine());
  watchLabsForMenu(engine!);
  await refreshMenu();
  createWindow();
}

/** Drains work, backs up and closes the engine before the process goes. */
async function shutdown(): Promise<void> {
  const e = engine;
  engine = null;
  unregisterIpc?.();
  stopEvents?.();
  if (!e) return;
  try {
    await e.idle();
    await e.store.backup('quit');
    pruneBackups(e.store.backupDir, e.store.file, 'quit', QUIT_BACKUPS_KEPT);
  } finally {
    await e.close();
  }
}

if (!process.env.CROSSPOD_NO_SINGLE_INSTANCE && !app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!win && engine) createWindow();
  });
  app.on('before-quit', (event) => {
    if (quitting === 'done') return;
    event.preventDefault();
    if (quitting === 'closing') return;
    quitting = 'closing';
    shutdown()
      .catch((err: unknown) => console.error('crosspod: shutdown failed:', err))
      .finally(() => {
        quitting = 'done';
        app.quit();
      });
  });
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox('Crosspod could not start', err instanceof Error ? err.message : String(err));
      app.exit(1);
    });
}
