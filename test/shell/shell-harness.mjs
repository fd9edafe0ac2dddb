// Boots the bundled shell (argv[2]: shell.mjs) against fake-electron.mjs, drives it like a
// user would, and prints what happened as one JSON line. Run by main-bundle.test.ts.
const rec = () => globalThis.__electron;
const until = async (what, ok, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const flatten = (items) => items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);

const out = {};
await import(process.argv[2]);
const e = rec();
out.privilegedBeforeReady = e.privilegedBeforeReady;
out.schemes = e.schemes;

if (process.env.FAKE_LOCK === '0' && !process.env.CROSSPOD_NO_SINGLE_INSTANCE) {
  await new Promise((r) => setTimeout(r, 100));
  out.quitCalls = e.quitCalls;
  out.windows = e.windows.length;
  out.ipcChannels = e.ipcHandlers.size;
  console.log(JSON.stringify(out));
  process.exit(0);
}

await until('the window', () => e.windows.length === 1 && e.windows[0].loaded.length === 1);
const win = e.windows[0];
out.window = { options: { ...win.options, webPreferences: { ...win.options.webPreferences } }, loaded: win.loaded };
out.errors = e.errors;

// app:// serves the renderer with the CSP.
const handler = e.protocolHandlers.get('app');
const page = await handler(new Request('app://crosspod/index.html'));
out.page = { status: page.status, csp: page.headers.get('content-security-policy'), body: await page.text() };
const escape = await handler(new Request('app://crosspod/..%2f..%2fpackage.json'));
out.escapeStatus = escape.status;

// IPC: one channel per method, sender checked, the engine behind it works (migrations found).
out.ipcChannels = [...e.ipcHandlers.keys()];
const call = (method, url, input) => e.ipcHandlers.get(`crosspod:${method}`)({ senderFrame: url ? { url } : null }, input);
out.created = await call('pods.create', 'app://crosspod/index.html', { region_name: 'RegionOne' });
out.untrusted = await call('pods.list', 'https://evil.example/', {});
out.neutron = await call('pods.create', 'app://crosspod/index.html', {
  region_name: 'RegionN',
  az_name: 'azn',
  driver: 'neutron',
  driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:9/v3', username: 'admin', project_name: 'admin', password: 'pw-S3cret-value' },
});
out.events = win.webContents.sent.filter(([c]) => c === 'crosspod:event');

// Lockdown of every web contents.
const contents = { listeners: new Map(), openHandler: null };
contents.on = (ev, fn) => contents.listeners.set(ev, fn);
contents.setWindowOpenHandler = (fn) => (contents.openHandler = fn);
for (const fn of e.appListeners.get('web-contents-created') ?? []) fn({}, contents);
const prevented = (ev, url) => {
  let p = false;
  contents.listeners.get(ev)({ preventDefault: () => (p = true) }, url);
  return p;
};
out.lockdown = {
  navigateAway: prevented('will-navigate', 'https://evil.example/'),
  navigateInApp: prevented('will-navigate', 'app://crosspod/routers'),
  redirectAway: prevented('will-redirect', 'https://evil.example/'),
  webview: prevented('will-attach-webview'),
  windowOpen: contents.openHandler({ url: 'https://example.org/' }),
};
let granted = null;
e.permissionRequest({}, 'media', (g) => (granted = g));
out.permissions = { request: granted, check: e.permissionCheck({}, 'clipboard-read') };

// The menu: navigation and dark mode reach the renderer; the backups folder opens.
const items = flatten(e.menu);
const click = (label) => items.find((i) => i.label === label).click();
click('Pods');
click('Toggle Dark Mode');
click('Keyboard Shortcuts');
click('Open Backups Folder');
out.menuSent = win.webContents.sent.filter(([c]) => c === 'crosspod:menu');
out.openedPaths = e.openedPaths;

// Quit: window state saved on close, a backup taken, then the app really quits.
win.emit('close');
e.app.quit();
await until('quit', () => e.quitDone === true);
out.quitCalls = e.quitCalls;
console.log(JSON.stringify(out));
process.exit(0);
