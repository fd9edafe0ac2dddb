// `npm start` skips a build whose sources did not change since it was last built (by content).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { staleTargets, stampBuilt } from '../../scripts/build-stamp.mjs';

const root = mkdtempSync(join(tmpdir(), 'crosspod-stamp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const put = (rel: string, text: string) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
};
const stale = () => (staleTargets(root) as string[]).sort();

it('builds what changed, by content, and what has no output', () => {
  for (const f of ['renderer/App.tsx', 'shared/contract.ts', 'main/engine/index.ts', 'vite.config.ts', 'package.json', 'scripts/build-main.mjs']) put(f, `// ${f}\n`);
  expect(stale()).toEqual(['main', 'renderer']);
  put('dist/renderer/index.html', '<!doctype html>');
  put('dist/main/shell.mjs', '');
  stampBuilt(root, 'renderer');
  stampBuilt(root, 'main');
  expect(stale()).toEqual([]);
  // A touched file with the same content (a checkout) builds nothing.
  utimesSync(join(root, 'renderer/App.tsx'), new Date(), new Date(Date.now() + 60_000));
  expect(stale()).toEqual([]);
  put('renderer/App.tsx', '// changed\n');
  expect(stale()).toEqual(['renderer']);
  stampBuilt(root, 'renderer');
  put('shared/new.ts', 'export {};\n');
  expect(stale()).toEqual(['main', 'renderer']);
  stampBuilt(root, 'renderer');
  stampBuilt(root, 'main');
  rmSync(join(root, 'dist/main/shell.mjs'));
  expect(stale()).toEqual(['main']);
});
