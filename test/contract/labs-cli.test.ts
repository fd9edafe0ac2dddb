// `npm run lab` as a user runs it: list, import a document, export it again (by name and by file).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
let dir: string;
const example = join(root, 'main', 'engine', 'labs', 'examples', 'same-pod.json');
const lab = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'main', 'engine', 'labs', 'cli.ts'), '--data-dir', join(dir, 'data'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-lab-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run lab', () => {
  it('imports a document, lists it, and exports the same bytes by name and by file', () => {
    const imp = lab('import', example, 'same');
    expect(imp.stderr).toMatch(/floating IPs: 11\/11/);
    expect(imp.stdout).toMatch(/^imported same: 3 pods in \d+\.\d s$/m);
    expect(imp.status).toBe(0);
    const list = lab('list');
    expect(list.stdout).toMatch(/^same\t3 pods\t\d+ bytes$/m);
    const out = join(dir, 'out.json');
    expect(lab('export', 'same', out).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(example, 'utf8'));
    const byFile = lab('export', join(dir, 'data', 'labs', 'same.db'));
    expect(byFile.stdout).toBe(readFileSync(example, 'utf8'));
  });

  it('refuses a broken document with its code and path, and creates nothing', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ crosspod_lab: 1, pods: [{ region: 'RegionOne', top: true }], external_networks: [{ name: 'x', project: 'admin', pod: 'Nowhere', subnets: [{ cidr: '10.0.0.0/24' }] }] }));
    const r = lab('import', bad, 'broken');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/LAB_DOCUMENT_INVALID: .*external_networks\.0\.pod: unknown reference: there is no pod Nowhere/);
    expect(existsSync(join(dir, 'data', 'labs', 'broken.db'))).toBe(false);
    expect(lab('frobnicate').status).toBe(2);
  });
});
