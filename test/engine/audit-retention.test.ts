// The audit log's hardening: secret-looking keys masked at any depth and in any case (also in
// refused inputs, down to the bytes of the file and its WAL), retention by age and by count
// (SUCCESS jobs too, never FAIL ones), and export as JSON lines or CSV.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSecretKey, maskSecrets, summarize } from '../../main/engine/audit';
import { newEngine, type TestEngine } from './support/engine';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const DAY = 86_400_000;

describe('masking', () => {
  it.each([
    'pass',
    'passwd',
    'password',
    'Password',
    'PASSWORD',
    'pass_phrase',
    'secret',
    'client_secret',
    'token',
    'X-Auth-Token',
    'key',
    'api_key',
    'apiKey',
    'credential',
    'X-Credential',
    'credentials',
  ])('%s is secret-looking', (k) => expect(isSecretKey(k)).toBe(true));

  it.each(['region_name', 'az_name', 'id', 'cidr', 'mac_address', 'name', 'username', 'project_id'])('%s is not', (k) => expect(isSecretKey(k)).toBe(false));

  it('masks at every depth, in arrays too, and leaves the rest', () => {
    const input = {
      region_name: 'Pod1',
      Password: 'a',
      driver_config: { auth_type: 'password', passwd: 'b', nested: [{ api_key: 'c', ok: 1 }, { deeper: { 'X-Credential': { x: 'd' } } }] },
    };
    expect(maskSecrets(input)).toEqual({
      region_name: 'Pod1',
      Password: '***',
      driver_config: { auth_type: 'password', passwd: '***', nested: [{ api_key: '***', ok: 1 }, { deeper: { 'X-Credential': '***' } }] },
    });
    // The input itself is not changed.
    expect(input.Password).toBe('a');
  });

  it('summarizes deep, cyclic and huge inputs without throwing', () => {
    let deep: unknown = { token: 'z' };
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    expect(summarize(deep)).not.toContain('"z"');
    const cyclic: Record<string, unknown> = { secret: 's' };
    cyclic.self = cyclic;
    expect(summarize(cyclic)).toBe('{"secret":"***","self":"[…]"}');
    const huge = summarize({ name: 'x'.repeat(10_000) });
    expect(huge).toHaveLength(500);
    expect(huge.endsWith('...')).toBe(true);
    expect(summarize(undefined)).toBe('');
  });
});

describe('secrets under mistyped keys never reach the file', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await newEngine();
  });
  afterEach(async () => {
    await t.close();
  });

  const SECRETS = ['Hunter2-Password-7f3a', 'Passwd-Secret-91bd', 'ApiKey-Secret-c0de', 'Cred-Secret-5e5e', 'Deep-Token-ab12'];
  const bytes = (f: string) => {
    try {
      return readFileSync(f).toString('latin1');
    } catch {
      return '';
    }
  };

  it('refused inputs are audited masked: not in the audit log, the DB file or its WAL', async () => {
    const cfg = { auth_type: 'password' as const, auth_url: 'http://127.0.0.1:1/v3', username: 'u' };
    const attempts: unknown[] = [
      { region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { ...cfg, Password: SECRETS[0] } },
      { region_name: 'Pod1', az_name: 'az1', passwd: SECRETS[1] },
      { region_name: 'Pod1', az_name: 'az1', driver_config: { ...cfg, extra: { api_key: SECRETS[2] } } },
      { region_name: 'Pod1', 'X-Credential': SECRETS[3] },
      { region_name: 'Pod1', list: [[{ deep: { TOKEN: SECRETS[4] } }]] },
    ];
    for (const a of attempts) await expect(t.engine.call('pods.create', a, { actor: 'http' })).rejects.toMatchObject({ code: 'INVALID_INPUT', status: 400 });
    await t.engine.idle();
    const rows = (await t.engine.api['audit.list']({})).items;
    expect(rows).toHaveLength(attempts.length);
    expect(rows.every((r) => r.result_code === 'INVALID_INPUT' && r.input_summary.includes('"***"'))).toBe(true);
    expect(rows.map((r) => r.input_summary).reverse()[1]).toBe('{"region_name":"Pod1","az_name":"az1","passwd":"***"}');
    for (const f of [t.dbPath, `${t.dbPath}-wal`]) {
      const b = bytes(f);
      for (const s of SECRETS) expect(b.includes(s), `${s} in ${f}`).toBe(false);
    }
    // The sentinel is found when it is there: the grep itself works.
    await t.engine.api['pods.create']({ region_name: 'Visible-Sentinel-4242' });
    expect(bytes(`${t.dbPath}-wal`).includes('Visible-Sentinel-4242') || bytes(t.dbPath).includes('Visible-Sentinel-4242')).toBe(true);
  });
});

describe('retention and export', () => {
  let t: TestEngine;
  let clock: number;
  beforeEach(async () => {
    clock = T0;
    t = await newEngine({ now: () => new Date(clock) });
  });
  afterEach(async () => {
    await t.close();
  });
  const db = () => t.engine.store.db;
  const insertAudit = (n: number, at: (i: number) => string) => {
    const ins = db().prepare("INSERT INTO audit_log (at, actor, operation, input_summary, result_code, resource_ids) VALUES (?, 'fixture', 'pods.create', '{}', 'OK', '[]')");
    db().transaction(() => {
      for (let i = 0; i < n; i++) ins.run(at(i));
    })();
  };
  const insertJob = (id: string, status: string, at: string) =>
    db().prepare("INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp, attempts, error, payload) VALUES (?, 'compensate', 'r', NULL, ?, ?, 1, NULL, '{}')").run(id, status, at);
  const count = (table: string) => db().prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

  it('has defaults, and keeps what it is set to in the database', async () => {
    expect(await t.engine.api['audit.getRetention']({})).toEqual({ max_age_days: 90, max_entries: 100_000 });
    expect(await t.engine.api['audit.setRetention']({ max_age_days: 30 })).toEqual({ max_age_days: 30, max_entries: 100_000, pruned: { audit: 0, jobs: 0 } });
    expect(await t.engine.api['audit.setRetention']({ max_entries: null })).toMatchObject({ max_age_days: 30, max_entries: null });
    expect(db().prepare("SELECT value FROM settings WHERE key = 'audit.retention'").pluck().get()).toBe('{"max_age_days":30,"max_entries":null}');
    expect(await t.engine.api['audit.getRetention']({})).toEqual({ max_age_days: 30, max_entries: null });
  });

  it('prunes by age: audit entries and SUCCESS jobs, never FAIL or NEW jobs', async () => {
    insertAudit(10, (i) => new Date(T0 - (i < 4 ? 40 : 5) * DAY).toISOString());
    insertJob('old-ok', 'SUCCESS', new Date(T0 - 40 * DAY).toISOString());
    insertJob('new-ok', 'SUCCESS', new Date(T0 - 5 * DAY).toISOString());
    insertJob('old-fail', 'FAIL', new Date(T0 - 400 * DAY).toISOString());
    const r = await t.engine.api['audit.setRetention']({ max_age_days: 30 });
    expect(r.pruned).toEqual({ audit: 4, jobs: 1 });
    // 6 left, plus the setRetention entry itself.
    expect(count('audit_log')).toBe(7);
    expect(db().prepare('SELECT id FROM async_jobs ORDER BY id').pluck().all()).toEqual(['new-ok', 'old-fail']);
  });

  it('prunes by count, keeping the newest', async () => {
    insertAudit(250, () => new Date(T0).toISOString());
    for (let i = 0; i < 120; i++) insertJob(`ok-${String(i).padStart(3, '0')}`, 'SUCCESS', new Date(T0 - i * 1000).toISOString());
    insertJob('fail', 'FAIL', new Date(T0 - 10 * DAY).toISOString());
    const r = await t.engine.api['audit.setRetention']({ max_entries: 100 });
    expect(r.pruned).toEqual({ audit: 150, jobs: 20 });
    const ids = db().prepare('SELECT id FROM audit_log ORDER BY id').pluck().all() as number[];
    expect(ids.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => 151 + i));
    const jobs = db().prepare("SELECT id FROM async_jobs WHERE status = 'SUCCESS' ORDER BY timestamp DESC").pluck().all() as string[];
    expect(jobs).toEqual(Array.from({ length: 100 }, (_, i) => `ok-${String(i).padStart(3, '0')}`));
    expect(count("async_jobs WHERE status = 'FAIL'")).toBe(1);
  });

  it('applies the retention on open and after writes, in slices', async () => {
    await t.engine.api['audit.setRetention']({ max_age_days: 1, max_entries: null });
    await t.engine.close();
    const { createEngine } = await import('../../main/engine');
    // 12,000 old entries: more than one slice (5,000) of pruning.
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(t.dbPath);
    const ins = raw.prepare("INSERT INTO audit_log (at, actor, operation, input_summary, result_code, resource_ids) VALUES (?, 'fixture', 'x', '{}', 'OK', '[]')");
    raw.transaction(() => {
      for (let i = 0; i < 12_000; i++) ins.run(new Date(T0 - 3 * DAY).toISOString());
    })();
    raw.close();
    t.engine = await createEngine({ dbPath: t.dbPath, now: () => new Date(clock) });
    await t.engine.idle();
    expect(db().prepare("SELECT COUNT(*) FROM audit_log WHERE operation = 'x'").pluck().get()).toBe(0);
    expect(count('audit_log')).toBe(1); // the setRetention entry, a day old at most
    // After writes: 1,000 mutations later the log is pruned again.
    clock = T0 + 2 * DAY;
    for (let i = 0; i < 1_000; i++) await t.engine.api['quotas.update']({ project_id: 'p', network: i });
    await t.engine.idle();
    // The setRetention entry is 2 days old now; the 1,000 new ones are kept.
    expect(count('audit_log')).toBe(1_000);
  });

  it('exports JSON lines and CSV, filtered, oldest first, with secrets masked', async () => {
    await t.engine.call('pods.create', { region_name: 'RegionOne' }, { actor: 'alice' });
    clock = T0 + 1000;
    await expect(t.engine.call('pods.create', { region_name: 'x', Password: 'leak-me-not' }, { actor: 'bob' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await t.engine.idle();
    const all = await t.engine.api['audit.export']({});
    expect(all.format).toBe('jsonl');
    expect(all.content_type).toBe('application/x-ndjson; charset=utf-8');
    expect(all.count).toBe(2);
    const lines = all.data.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.actor, l.result_code])).toEqual([
      [1, 'alice', 'OK'],
      [2, 'bob', 'INVALID_INPUT'],
    ]);
    expect(lines[1].input_summary).toBe('{"region_name":"x","Password":"***"}');
    expect(all.data).not.toContain('leak-me-not');

    const csv = await t.engine.api['audit.export']({ format: 'csv', actor: 'bob' });
    expect(csv.count).toBe(1);
    expect(csv.data).toBe(
      'id,at,actor,operation,input_summary,result_code,resource_ids\n' +
        `"2","2025-01-01T00:00:01.000Z","bob","pods.create","{""region_name"":""x"",""Password"":""***""}","INVALID_INPUT","[]"\n`,
    );
    const since = await t.engine.api['audit.export']({ since: '2025-01-01T00:00:00.500Z' });
    expect(since.count).toBe(1);
    const none = await t.engine.api['audit.export']({ until: '2024-01-01T00:00:00.000Z', format: 'csv' });
    expect(none).toMatchObject({ count: 0, data: 'id,at,actor,operation,input_summary,result_code,resource_ids\n' });
  });

  it('refuses bad settings and changes nothing', async () => {
    for (const bad of [{ max_age_days: 0 }, { max_entries: 99 }, { max_age_days: 1.5 }, { max_entries: '100' }, { keep: 1 }]) {
      await expect(t.engine.call('audit.setRetention', bad)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(await t.engine.api['audit.getRetention']({})).toEqual({ max_age_days: 90, max_entries: 100_000 });
  });
});
