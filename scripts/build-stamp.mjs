// What `npm start` builds from, fingerprinted: a build is skipped when the fingerprint of its
// sources equals the one stamped beside its output by the last build (dist/.build-stamp.json).
// Content, not mtimes: a checkout that leaves the files as they were rebuilds nothing.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Each target: the sources it is built from and a file its output must hold. */
export const TARGETS = {
  renderer: { inputs: ['renderer', 'shared', 'vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json'], output: join('dist', 'renderer', 'index.html') },
  main: { inputs: ['main', 'shared', 'scripts/build-main.mjs', 'package.json', 'package-lock.json'], output: join('dist', 'main', 'shell.mjs') },
};

function files(root, rel) {
  const abs = join(root, rel);
  if (!existsSync(abs)) return [];
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  if (statSync(abs).isDirectory()) walk(abs);
  else out.push(abs);
  return out.map((p) => relative(root, p).split('\\').join('/'));
}

/** sha256 over every input file's path and content, in a stable order. */
export function fingerprint(root, inputs) {
  const h = createHash('sha256');
  for (const f of [...new Set(inputs.flatMap((i) => files(root, i)))].sort()) {
    h.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  }
  return h.digest('hex');
}

const stampFile = (root) => join(root, 'dist', '.build-stamp.json');

function readStamp(root) {
  try {
    return JSON.parse(readFileSync(stampFile(root), 'utf8'));
  } catch {
    return {};
  }
}

/** The targets whose sources changed since their last build (or whose output is missing). */
export function staleTargets(root) {
  const stamp = readStamp(root);
  return Object.entries(TARGETS)
    .filter(([name, t]) => !existsSync(join(root, t.output)) || stamp[name] !== fingerprint(root, t.inputs))
    .map(([name]) => name);
}

/** Records a target as built from its sources as they are now. */
export function stampBuilt(root, name) {
  const stamp = readStamp(root);
  stamp[name] = fingerprint(root, TARGETS[name].inputs);
  writeFileSync(stampFile(root), JSON.stringify(stamp, null, 2) + '\n');
}
