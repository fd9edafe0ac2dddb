// The Neutron driver's Keystone v3 password path against the suite's real Keystone (Debian's
// python3-keystone, see keystone-harness.ts): a project-scoped token, the network endpoint of the
// pod's region from the catalog, the public or internal interface per pod, renewal after Keystone
// revokes the token, and a wrong password that is never echoed.
//
// The Neutron pods run with noauth and ignore tokens, so the revocation is seen by a Crosspod
// console that validates tokens against the same Keystone (its --keystone-url mode), registered
// in the catalog as a region of its own. What a real Keystone cannot be made to do stays in the
// fake of test/engine/neutron-driver-auth.test.ts: tokens that expire within seconds (Keystone's
// [token] expiration is in whole seconds, the driver renews at half-life, and a suite cannot wait
// minutes), and Neutron answering 503 or hanging.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEngine } from '../../main/engine';
import { createNeutronDriver, type NeutronDriverOptions } from '../../main/engine/drivers/neutron';
import { fileKeySecretBox } from '../../main/engine/secrets/file-key';
import type { Engine } from '../../main/engine/types';
import { startServer, type RunningServer } from '../../main/serve/server';
import { CrosspodError } from '../../shared/errors';
import { auditMark, dbChecksum } from '../contract/checksum';
import { KeystoneAdmin } from './keystone-harness';

const pods = inject('neutronPods');
const ks = inject('keystone');
const uid = randomUUID().slice(0, 6);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'crosspod-keystone-'));
  dirs.push(d);
  return d;
};

/** Real fetch, with every request's method, URL and token written down. */
function spyFetch() {
  const seen: { method: string; url: string; token: string | null }[] = [];
  const f: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    seen.push({ method: init?.method ?? 'GET', url: String(input), token: headers.get('x-auth-token') });
    return fetch(input, init);
  };
  return { seen, fetch: f };
}

const cfg = (over: Partial<NeutronDriverOptions> = {}): NeutronDriverOptions => ({
  auth_type: 'password',
  auth_url: ks.auth_url,
  username: ks.tester.username,
  password: ks.tester.password,
  user_domain_name: 'Default',
  project_name: ks.tester.project_name,
  project_domain_name: 'Default',
  retry_backoff_ms: 5,
  ...over,
});

async function errorOf(p: Promise<unknown>): Promise<CrosspodError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CrosspodError);
    return e as CrosspodError;
  }
  throw new Error('expected a CrosspodError, got success');
}

let admin: KeystoneAdmin;
beforeAll(async () => {
  admin = await KeystoneAdmin.login(ks.auth_url, ks.admin);
});

const validate = (token: string) => admin.validate(token);

describe('the Neutron driver against a real Keystone', () => {
  it('takes a project-scoped token and the network endpoint of its region from the catalog', async () => {
    const spy = spyFetch();
    const d1 = createNeutronDriver(cfg({ region_name: 'Pod1', fetch: spy.fetch }));
    const net = await d1.create('network', { name: `ks-net-${uid}`, project_id: 'p-ks' });
    expect(spy.seen.map((s) => [s.method, s.url])).toEqual([
      ['POST', `${ks.auth_url}/auth/tokens`],
      ['POST', `http://127.0.0.1:${pods[0].port}/v2.0/networks`],
    ]);
    const token = spy.seen[1].token!;
    expect(token).toMatch(/^gAAAAA/); // a fernet token
    const v = await validate(token);
    expect(v.status).toBe(200);
    expect(v.token?.project?.name).toBe('crosspod-tests');
    expect(v.token?.user.name).toBe('crosspod-tester');
    expect(v.token?.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);

    // The network is on pod1's Neutron and not on pod2's: the region picked the server.
    const raw1 = createNeutronDriver({ auth_type: 'noauth', endpoint: pods[0].url });
    const raw2 = createNeutronDriver({ auth_type: 'noauth', endpoint: pods[1].url });
    expect(await raw1.get('network', net.id)).toMatchObject({ id: net.id, name: `ks-net-${uid}`, project_id: 'p-ks' });
    expect((await errorOf(raw2.get('network', net.id))).code).toBe('NOT_FOUND');

    // The same login for Pod2 lands on pod2.
    const spy2 = spyFetch();
    const d2 = createNeutronDriver(cfg({ region_name: 'Pod2', fetch: spy2.fetch }));
    expect((await d2.list('network', { name: `ks-net-${uid}` })).map((n) => n.id)).toEqual([]);
    expect(spy2.seen[1].url).toBe(`http://127.0.0.1:${pods[1].port}/v2.0/networks?name=ks-net-${uid}&limit=500`);
    await d1.delete('network', net.id);
    expect(d1.stats()).toEqual({ calls: 2, retries: 0, auth_calls: 1 });
  });

  it('uses the interface each pod names: public by default, internal when asked', async () => {
    const pub = spyFetch();
    const internal = spyFetch();
    const dPub = createNeutronDriver(cfg({ region_name: 'Pod1', fetch: pub.fetch }));
    const dInt = createNeutronDriver(cfg({ region_name: 'Pod2', interface: 'internal', fetch: internal.fetch }));
    await dPub.list('network', { name: 'none' });
    await dInt.list('network', { name: 'none' });
    expect(ks.network.Pod1).toEqual({ public: `http://127.0.0.1:${pods[0].port}`, internal: `http://localhost:${pods[0].port}` });
    expect(pub.seen[1].url).toBe(`http://127.0.0.1:${pods[0].port}/v2.0/networks?name=none&limit=500`);
    expect(internal.seen[1].url).toBe(`http://localhost:${pods[1].port}/v2.0/networks?name=none&limit=500`);
    // An interface the region lacks is named in the error.
    const e = await errorOf(createNeutronDriver(cfg({ region_name: 'Pod1', interface: 'admin' })).list('network'));
    expect(e.code).toBe('POD_UNREACHABLE');
    expect(e.message).toBe('Keystone catalog has no admin network endpoint in region Pod1');
  });

  it('carries the interface through a pod’s driver_config in the engine', async () => {
    const dir = tempDir();
    const engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), secrets: fileKeySecretBox(join(dir, 'secret.key')) });
    try {
      await engine.api['pods.create']({ region_name: 'RegionOne' });
      const pod = await engine.api['pods.create']({
        region_name: 'Pod2',
        az_name: 'az2',
        driver: 'neutron',
        driver_config: { auth_type: 'password', auth_url: ks.auth_url, username: ks.tester.username, project_name: ks.tester.project_name, password: ks.tester.password, interface: 'internal' },
      });
      expect(pod.driver_config).toEqual({ auth_type: 'password', auth_url: ks.auth_url, username: ks.tester.username, project_name: ks.tester.project_name, interface: 'internal', has_password: true });
      expect(await engine.api['pods.testConnection']({ pod_id: pod.pod_id })).toEqual({ reachable: true, auth: 'ok', extensions: { router: true, 'external-net': true, extraroute: true }, error: null });
    } finally {
      await engine.close();
    }
  });

  describe('renewal after Keystone revokes the token', () => {
    let engine: Engine;
    let server: RunningServer;
    const region = `CrosspodKs-${uid}`;
    beforeAll(async () => {
      const dir = tempDir();
      engine = await createEngine({ dbPath: join(dir, 'crosspod.db') });
      await engine.api['pods.create']({ region_name: 'RegionOne' });
      // cacheMs 0: the console asks Keystone on every request, so a revocation shows at once.
      server = await startServer({ engine, port: 0, keystone: { url: ks.auth_url, cacheMs: 0 } });
      await admin.setNetworkEndpoints(region, { public: server.url.replace(/\/$/, '') });
    });
    afterAll(async () => {
      await admin.dropRegion(region);
      await server?.close();
      await engine?.close();
    });

    it('re-authenticates once and the call succeeds', async () => {
      const spy = spyFetch();
      const d = createNeutronDriver(cfg({ region_name: region, fetch: spy.fetch }));
      expect(await d.list('network')).toEqual([]);
      const first = spy.seen[1].token!;
      await admin.revoke(first);
      expect((await validate(first)).status).toBe(404);

      const net = await d.create('network', { name: `after-revoke-${uid}`, project_id: 'proj-r' });
      expect(net).toMatchObject({ name: `after-revoke-${uid}`, project_id: 'proj-r' });
      const calls = spy.seen.map((s) => [s.method, s.url.replace(server.url, '/'), s.token === first ? 'first' : s.token === null ? '-' : 'second']);
      expect(calls).toEqual([
        ['POST', `${ks.auth_url}/auth/tokens`, '-'],
        ['GET', '/v2.0/networks?limit=500', 'first'],
        ['POST', '/v2.0/networks', 'first'],
        ['POST', `${ks.auth_url}/auth/tokens`, '-'],
        ['POST', '/v2.0/networks', 'second'],
      ]);
      expect((await validate(spy.seen[4].token!)).status).toBe(200);
      expect(d.stats()).toEqual({ calls: 3, retries: 0, auth_calls: 2 });
      expect((await engine.api['networks.list']({ name: `after-revoke-${uid}` })).items).toHaveLength(1);
    });
  });

  describe('a wrong password', () => {
    const WRONG = `Wrong-Pw-${uid}-never-echoed`;

    it('is POD_AUTH_FAILED from the driver, naming the user and never the password', async () => {
      const spy = spyFetch();
      const d = createNeutronDriver(cfg({ region_name: 'Pod1', password: WRONG, fetch: spy.fetch }));
      const e = await errorOf(d.list('network'));
      expect(e.code).toBe('POD_AUTH_FAILED');
      expect(e.status).toBe(502);
      expect(e.message).toBe('Keystone refused the credentials of crosspod-tester: The request you have made requires authentication.');
      expect(e.details).toEqual({ status: 401, auth_url: ks.auth_url });
      expect(JSON.stringify({ ...e.toBody(), stack: e.stack })).not.toContain(WRONG);
      expect(spy.seen.map((s) => s.url)).toEqual([`${ks.auth_url}/auth/tokens`]); // Neutron never called
    });

    it('through the engine: testConnection says auth failed, an external network on the pod is refused, nothing changes, and the password is nowhere', async () => {
      const dir = tempDir();
      const dbPath = join(dir, 'crosspod.db');
      const engine = await createEngine({ dbPath, secrets: fileKeySecretBox(join(dir, 'secret.key')) });
      try {
        await engine.api['pods.create']({ region_name: 'RegionOne' });
        const pod = await engine.api['pods.create']({
          region_name: 'Pod1',
          az_name: 'az1',
          driver: 'neutron',
          driver_config: { auth_type: 'password', auth_url: ks.auth_url, username: ks.tester.username, project_name: ks.tester.project_name, password: WRONG },
        });
        const health = await engine.api['pods.testConnection']({ pod_id: pod.pod_id });
        expect(health).toEqual({
          reachable: true,
          auth: 'failed',
          extensions: { router: false, 'external-net': false, extraroute: false },
          error: { code: 'POD_AUTH_FAILED', message: 'Keystone refused the credentials of crosspod-tester: The request you have made requires authentication.' },
        });
        const before = dbChecksum(engine.store.db, ['audit_log']);
        const mark = auditMark(engine.store.db);
        // An external network is mirrored to its pod at once (§8.2): the first call to Pod1.
        const e = await errorOf(engine.api['networks.create']({ name: `wp-ext-${uid}`, project_id: 'proj-wp', 'router:external': true, availability_zone_hints: ['Pod1'] }));
        expect(e.code).toBe('POD_AUTH_FAILED');
        expect(e.message).not.toContain(WRONG);
        expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);
        expect(mark.since().map((r) => [r.operation, r.result_code])).toEqual([['networks.create', 'POD_AUTH_FAILED']]);

        const audit = (await engine.api['audit.list']({ limit: 100 })).items.map((i) => i.input_summary).join('\n');
        expect(audit).toContain('"password":"***"');
        expect(audit).not.toContain(WRONG);
        engine.store.db.pragma('wal_checkpoint(TRUNCATE)');
        const files = [dbPath, `${dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f));
        expect(files.some((b) => b.includes(Buffer.from(ks.tester.username)))).toBe(true); // the search works
        expect(files.some((b) => b.includes(Buffer.from(WRONG)))).toBe(false);
      } finally {
        await engine.close();
      }
    });
  });
});
