// A stand-in for the 'electron' module, enough for the bundled shell (dist/main/shell.mjs) to
// boot under plain Node: every call is recorded on globalThis.__electron for the harness.
const ready = { done: false };
const rec = {
  ready,
  privilegedBeforeReady: null,
  schemes: [],
  protocolHandlers: new Map(),
  ipcHandlers: new Map(),
  appListeners: new Map(),
  windows: [],
  menu: null,
  permissionRequest: null,
  permissionCheck: null,
  quitCalls: 0,
  exitCode: null,
  openedPaths: [],
  errors: [],
};
globalThis.__electron = rec;

const on = (map) => (event, fn) => {
  if (!map.has(event)) map.set(event, []);
  map.get(event).push(fn);
};

export const app = {
  isPackaged: false,
  on: on(rec.appListeners),
  getPath: (name) => {
    if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
    return process.env.FAKE_USER_DATA;
  },
  getAppPath: () => process.env.FAKE_APP_PATH,
  getVersion: () => '0.1.0',
  requestSingleInstanceLock: () => process.env.FAKE_LOCK !== '0',
  whenReady: () =>
    new Promise((r) =>
      setTimeout(() => {
        ready.done = true;
        r();
      }, 10),
    ),
  quit: () => {
    rec.quitCalls++;
    for (const fn of rec.appListeners.get('before-quit') ?? []) {
      let prevented = false;
      fn({ preventDefault: () => (prevented = true) });
      if (prevented) return;
    }
    rec.quitDone = true;
  },
  exit: (code) => {
    rec.exitCode = code;
  },
};

rec.app = app;

export const protocol = {
  registerSchemesAsPrivileged: (schemes) => {
    rec.privilegedBeforeReady = !ready.done;
    rec.schemes.push(...schemes);
  },
  handle: (scheme, fn) => rec.protocolHandlers.set(scheme, fn),
};

export const ipcMain = {
  handle: (channel, fn) => {
    if (rec.ipcHandlers.has(channel)) throw new Error(`second handler for ${channel}`);
    rec.ipcHandlers.set(channel, fn);
  },
  removeHandler: (channel) => rec.ipcHandlers.delete(channel),
};

export class BrowserWindow {
  constructor(options) {
    this.options = options;
    this.listeners = new Map();
    this.loaded = [];
    this.destroyed = false;
    this.webContents = {
      sent: [],
      send: (channel, payload) => this.webContents.sent.push([channel, payload]),
      isDestroyed: () => this.destroyed,
      reload: () => {},
    };
    rec.windows.push(this);
  }
  on(event, fn) {
    on(this.listeners)(event, fn);
  }
  once(event, fn) {
    on(this.listeners)(event, fn);
  }
  emit(event) {
    for (const fn of this.listeners.get(event) ?? []) fn();
  }
  loadURL(url) {
    this.loaded.push(url);
    return Promise.resolve();
  }
  maximize() {}
  show() {}
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isMaximized() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    return { x: 40, y: 50, width: 1111, height: 777 };
  }
}

export const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] };
export const nativeTheme = { shouldUseDarkColors: false, themeSource: 'system' };
export const safeStorage = {
  isEncryptionAvailable: () => false,
  encryptString: () => {
    throw new Error('unavailable');
  },
  decryptString: () => {
    throw new Error('unavailable');
  },
  getSelectedStorageBackend: () => 'basic_text',
};
export const dialog = {
  showMessageBox: async () => ({ response: 0 }),
  showErrorBox: (title, body) => rec.errors.push(`${title}: ${body}`),
};
export const shell = { openPath: async (p) => void rec.openedPaths.push(p) };
export const Menu = {
  buildFromTemplate: (template) => template,
  setApplicationMenu: (menu) => {
    rec.menu = menu;
  },
};
export const session = {
  defaultSession: {
    setPermissionRequestHandler: (fn) => {
      rec.permissionRequest = fn;
    },
    setPermissionCheckHandler: (fn) => {
      rec.permissionCheck = fn;
    },
  },
};
export default { app, protocol, ipcMain, BrowserWindow, screen, nativeTheme, safeStorage, dialog, shell, Menu, session };
