// npm 11 blocks dependency install scripts unless package.json's allowScripts covers them, and
// warns on every `npm ci` about those it skipped. Every package the lock file marks as having an
// install script must be decided here (approved or denied), so a new one fails this test first.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; hasInstallScript?: boolean; name?: string }>;
};

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('allowScripts', () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && p.hasInstallScript)
    .map(([path, p]) => ({ name: p.name ?? nameOf(path), version: p.version }));

  it('approves exactly the install scripts Crosspod needs', () => {
    expect(pkg.allowScripts).toEqual({ 'better-sqlite3': true, 'electron-winstaller': true, esbuild: true });
  });

  it('covers every package the lock file marks as having an install script', () => {
    expect(withScripts.length).toBeGreaterThan(0);
    const allow = pkg.allowScripts ?? {};
    const uncovered = withScripts.filter((p) => !(p.name in allow) && !(`${p.name}@${p.version}` in allow));
    expect(uncovered).toEqual([]);
  });
});
