// `npm start`: build what changed since the last build (nothing: it starts in seconds), then run
// the desktop app; where Electron's binary is not installed (CI, servers), say so in one line and
// run the browser console (`npm run serve`) instead. `npm start -- --rebuild` builds everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleTargets, stampBuilt, TARGETS } from './build-stamp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`crosspod: \`${[cmd, ...args].join(' ')}\` failed`);
    process.exit(r.status ?? 1);
  }
}

/**
 * The Electron executable, or why there is none. Read from the package's path.txt rather than
 * require('electron'): requiring it with the binary absent starts a download.
 */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'package.json'))) return { missing: 'the electron package is not installed' };
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return { missing: 'node_modules/electron/path.txt is absent: the binary was never downloaded' };
  const rel = readFileSync(pathFile, 'utf8').trim();
  const exe = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron')
    : join(pkg, 'dist', rel);
  return existsSync(exe) ? { exe } : { missing: `${exe} does not exist` };
}

function runChild(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const args = process.argv.slice(2).filter((a) => a !== '--rebuild');
const stale = process.argv.includes('--rebuild') ? Object.keys(TARGETS) : staleTargets(root);
if (stale.includes('renderer')) {
  run(bin('vite'), ['build']);
  stampBuilt(root, 'renderer');
}
if (stale.includes('main')) {
  run(process.execPath, [join(root, 'scripts', 'build-main.mjs')]);
  stampBuilt(root, 'main');
}
if (!stale.length) console.log('crosspod: nothing changed since the last build (npm start -- --rebuild to build anyway)');

const electron = electronBinary();
if (electron.exe) {
  runChild(electron.exe, ['.', ...args]);
} else {
  console.log(`Electron's binary is not installed here (${electron.missing}); starting the browser console instead`);
  runChild(bin('tsx'), [join(root, 'main', 'serve', 'cli.ts'), ...args]);
}
