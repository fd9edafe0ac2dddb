// Once per e2e run: make sure Debian's Chromium is there, and build the renderer (skipped when
// dist/renderer is newer than every renderer source).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: run \`sudo apt-get update && sudo apt-get install -y chromium\``);
  }
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`\`apt-get ${args.join(' ')}\` failed (exit ${r.status}); install Chromium with \`apt-get install -y chromium\``);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newestMtime(join(path, name)));
  return max;
}

function buildRenderer(): void {
  const index = join(ROOT, 'dist/renderer/index.html');
  const sources = ['renderer', 'shared', 'vite.config.ts', 'package-lock.json'].map((p) => join(ROOT, p)).filter(existsSync);
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(...sources.map(newestMtime)) && !process.env.CROSSPOD_E2E_REBUILD) return;
  // Vitest sets NODE_ENV=test, which would give a development React build.
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error(`\`npx vite build\` failed (exit ${r.status})`);
}

export default function setup(): void {
  ensureChromium();
  buildRenderer();
}
