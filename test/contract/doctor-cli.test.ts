// `npm run doctor` as an operator runs it: a child process on a database with drift.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine';
import { createLabDriver } from '../../main/engine/drivers/lab';
import { Ipam } from '../../main/engine/ipam';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'crosspod-doctor-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function doctor(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'main', 'engine', 'doctor', 'cli.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run doctor', () => {
  const db = join(dir, 'crosspod.db');
  let orphan = '';

  it('prints the findings as a table and exits 1 while drift remains', async () => {
    const engine = await createEngine({ dbPath: db });
    await engine.call('lab.loadExample', {});
    await engine.idle();
    const sub = (await engine.api['subnets.list']({ name: 'subnet1' })).items[0];
    new Ipam(engine.store.db).allocate(sub.id, '10.0.1.77');
    const pod1 = (await engine.api['pods.list']({ region_name: 'Pod1' })).items[0];
    const net = (await engine.api['networks.list']({ name: 'net1' })).items[0];
    const routing = (await engine.api['routings.list']({ top_id: net.id, pod_id: pod1.pod_id })).items[0];
    orphan = (await createLabDriver(engine.store.db, pod1.pod_id).create('router', { name: '11111111-2222-3333-4444-555555555555', project_id: 'proj1' })).id;
    expect(routing.bottom_id).toBeTruthy();
    await engine.close();

    const r = doctor('--db', db);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +KIND +POD +TYPE +DETAIL \/ REPAIR$/);
    expect(lines.some((l) => /^[0-9a-f]{16} {2}orphan_bottom +Pod1 {2}router +Bottom router 11111111-2222-3333-4444-555555555555 \(/.test(l))).toBe(true);
    expect(lines.some((l) => /^[0-9a-f]{16} {2}ipam_leak +- +ip_address +10\.0\.1\.77 is allocated in subnet subnet1 \(10\.0\.1\.0\/24\), but no port, floating IP or gateway holds it$/.test(l))).toBe(true);
    expect(lines).toContain(lines.find((l) => l.trim() === '-> Release 10.0.1.77'));
    expect(lines.at(-1)).toBe('2 findings.');
  });

  it('--json prints the same findings as data', () => {
    const r = doctor('--db', db, '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as { findings: { kind: string; bottom_id: string | null; repair: { action: string } }[] };
    expect(out.findings.map((f) => [f.kind, f.bottom_id, f.repair.action])).toEqual([
      ['orphan_bottom', orphan, 'delete_bottom'],
      ['ipam_leak', null, 'release_address'],
    ]);
  });

  it('--repair applies every repair, prints what is left, and exits 0 when clean', () => {
    const r = doctor('--db', db, '--repair');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Repairs:\nID +KIND +STATUS +MESSAGE\n[0-9a-f]{16} {2}orphan_bottom {2}repaired {2}Deleted bottom router .+ in Pod1\n[0-9a-f]{16} {2}ipam_leak +repaired {2}Released 10\.0\.1\.77\n\nAfter the repairs:\nNo drift: the bottoms match the top\.\n$/);
    const again = doctor('--db', db);
    expect([again.code, again.out]).toEqual([0, 'No drift: the bottoms match the top.\n']);
  });

  it('a usage error exits 2', () => {
    const r = doctor('--repair');
    expect(r.code).toBe(2);
    expect(r.err).toBe('crosspod doctor: --db FILE is required\nusage: npm run doctor -- --db FILE [--repair] [--json]\n');
  });
});
