// SIGKILL at arbitrary points of a busy engine loses nothing: every reopen finds an intact file,
// top and lab pods agreeing, and recovery finishes the jobs that were pending.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine';
import { createLabDriver } from '../../main/engine/drivers/lab';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-sigkill-'));
const dbPath = join(dir, 'crosspod.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the churn process, lets it work for `ms` after it is ready, then SIGKILLs it. */
function churnThenKill(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'churn.ts'), dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      if (String(d).includes('ready')) setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`churn exited ${code}: ${err}`))));
  });
}

async function checkConsistent(): Promise<void> {
  const engine = await createEngine({ dbPath });
  await engine.idle();
  const db = engine.store.db;
  expect(db.pragma('quick_check', { simple: true })).toBe('ok');
  // Recovery finished what was pending.
  expect(db.prepare("SELECT COUNT(*) AS n FROM async_jobs WHERE status IN ('NEW', 'RUNNING')").get()).toEqual({ n: 0 });
  expect(db.prepare("SELECT COUNT(*) AS n FROM async_jobs WHERE status = 'FAIL'").get()).toEqual({ n: 0 });
  // Every complete routing row into a lab pod points at something that pod holds.
  const rows = db.prepare("SELECT r.top_id, r.bottom_id, r.resource_type, r.pod_id FROM resource_routings r JOIN pods p ON p.pod_id = r.pod_id WHERE p.az_name != '' AND r.bottom_id IS NOT NULL").all() as { top_id: string; bottom_id: string; resource_type: string; pod_id: string }[];
  for (const r of rows) {
    const d = createLabDriver(db, r.pod_id);
    await expect(d.get(r.resource_type as 'port', r.bottom_id), `${r.resource_type} ${r.top_id}`).resolves.toMatchObject({ id: r.bottom_id });
  }
  // No lab port of a VM that the top no longer has.
  const tops = new Set((db.prepare('SELECT id FROM ports').all() as { id: string }[]).map((p) => p.id));
  const labPorts = db.prepare("SELECT name FROM lab_ports WHERE name LIKE '%-%-%-%-%' AND device_owner = ''").all() as { name: string }[];
  for (const p of labPorts) if (p.name !== 'ns_bridge_port') expect(tops.has(p.name), `orphan bottom port ${p.name}`).toBe(true);
  // The floating IP's path, read from the bottoms, agrees with the top.
  const fip = (await engine.api['fips.list']({ floating_ip_address: '162.3.124.5' })).items[0];
  const path = await engine.api['fips.path']({ id: fip.id });
  if (fip.port_id) expect(path.hops.map((h) => h.address)).toEqual(['162.3.124.5', '100.128.0.3', '10.0.1.4']);
  else expect(path.mode).toBe('unbound');
  const bridgeFips = db.prepare("SELECT COUNT(*) AS n FROM lab_floating_ips WHERE floating_ip_address = '100.128.0.3'").get() as { n: number };
  expect(bridgeFips.n).toBe(fip.port_id ? 1 : 0);
  await engine.close();
}

describe('SIGKILL', () => {
  it('at arbitrary points of a busy engine loses nothing, and recovery finishes what was pending', async () => {
    for (const ms of [150, 40, 400, 90, 250]) {
      await churnThenKill(ms);
      await checkConsistent();
    }
  }, 180_000);
});
