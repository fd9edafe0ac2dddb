// Bundles the Electron shell: main/shell/main.ts → dist/main/shell.mjs (ESM, Node) and the
// sandboxed preload → dist/main/preload.cjs (CJS: sandboxed preloads cannot load ESM), and
// copies the SQL migrations beside them, where the bundled store looks for them.
// `node scripts/build-main.mjs [OUTDIR]` (default dist/main).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist', 'main');
// Remove only what this script writes: OUTDIR may be any folder.
for (const f of ['shell.mjs', 'shell.mjs.map', 'preload.cjs', 'preload.cjs.map', 'migrations']) {
  rmSync(join(out, f), { recursive: true, force: true });
}
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

await build({
  ...common,
  entryPoints: ['main/shell/main.ts'],
  outfile: join(out, 'shell.mjs'),
  format: 'esm',
  external: ['electron', 'better-sqlite3'],
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire as __cpCreateRequire } from 'node:module'; const require = __cpCreateRequire(import.meta.url);" },
});

// The preload needs only the contract's method names: compute them here and hand the preload
// a two-line module instead, so zod is not bundled into every window.
const contract = await build({ ...common, sourcemap: false, entryPoints: ['shared/contract.ts'], format: 'esm', write: false });
const { methods } = await import(`data:text/javascript;base64,${Buffer.from(contract.outputFiles[0].text).toString('base64')}`);
const methodNames = {
  name: 'contract-method-names',
  setup(b) {
    b.onResolve({ filter: /\/shared\/contract$/ }, () => ({ path: 'contract', namespace: 'method-names' }));
    b.onLoad({ filter: /.*/, namespace: 'method-names' }, () => ({
      contents: `export const methods = ${JSON.stringify(methods)};`,
      loader: 'js',
    }));
  },
};

await build({
  ...common,
  entryPoints: ['main/shell/preload.ts'],
  outfile: join(out, 'preload.cjs'),
  format: 'cjs',
  // A sandboxed preload can require only 'electron'; everything else is bundled in.
  external: ['electron'],
  plugins: [methodNames],
});

cpSync(join(root, 'main', 'engine', 'store', 'migrations'), join(out, 'migrations'), { recursive: true });
console.log(`built ${out}: shell.mjs, preload.cjs, migrations/`);
