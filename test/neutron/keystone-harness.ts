// A real Keystone (Debian's python3-keystone, Zed) on 127.0.0.1 for the neutron suite: SQLite in
// the state dir, fernet tokens, served by Debian's keystone-wsgi-public (wsgiref, one thread)
// under /usr/bin/python3. Never the `keystone` package: its init scripts and uwsgi would start a
// service on every interface.
//
//   npx tsx test/neutron/keystone-harness.ts up|down [--state DIR] [--port P]
//
// Its catalog: `identity` in RegionOne (bootstrap), and `network` in Pod1 and Pod2 pointing at the
// harness's Neutron pods, public as http://127.0.0.1:<port> and internal as http://localhost:<port>
// (the same server, a different host name, so a test can tell which interface was picked).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  defaultStateDir,
  ensureDebianPackages,
  logTail,
  ownGroupMembers,
  packageVersion,
  portFree,
  pythonEnv,
  sleep,
  stopGroup,
  SYSTEM_PYTHON,
  withLock,
} from './harness';

export const KEYSTONE_PACKAGES = ['python3-keystone'] as const;
const KEYSTONE_MANAGE = '/usr/bin/keystone-manage';
const KEYSTONE_WSGI = '/usr/bin/keystone-wsgi-public';

export interface KeystoneUser {
  username: string;
  password: string;
  project_name: string;
  user_domain_name: 'Default';
  project_domain_name: 'Default';
}

export interface KeystoneInfo {
  /** http://127.0.0.1:<port>/v3 */
  auth_url: string;
  port: number;
  pid: number;
  dir: string;
  /** Bootstrap's admin in project admin (admin role, also on the system). */
  admin: KeystoneUser;
  /** admin role on project crosspod-tests: what the tests' drivers and the CLI log in as. */
  tester: KeystoneUser;
  /** member role only, on crosspod-tests: refused by a console that wants admin. */
  member: KeystoneUser;
  /** Pod1/Pod2 → the Neutron pods' URLs, public and internal. */
  network: Record<string, { public: string; internal: string }>;
}

interface Record_ extends KeystoneInfo {
  conf: string;
  templateVersion: string;
}

const defaultLog = (line: string) => process.stderr.write(`[keystone-harness] ${line}\n`);

/** Keystone's port beside the Neutron pods': base + 80 (9776 by default). */
export const keystonePort = (neutronBasePort: number) => neutronBasePort + 80;

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: pythonEnv(), maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${tail}`);
  }
}

function keystoneConf(dir: string, dbPath: string): string {
  // Every path is under dir: Keystone's defaults point at /etc/keystone (the receipts' key
  // repository too, which fernet_setup would otherwise create there).
  return `# Written by test/neutron/keystone-harness.ts; regenerated on every start.
[DEFAULT]
log_file = ${dir}/keystone.log
use_stderr = false
debug = false

[database]
connection = sqlite:///${dbPath}

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = ${dir}/fernet-keys

[fernet_receipts]
key_repository = ${dir}/fernet-keys

[credential]
key_repository = ${dir}/credential-keys

[identity]
# Test passwords: the fewest bcrypt rounds Keystone allows, so each login costs milliseconds.
password_hash_rounds = 4

[oslo_concurrency]
lock_path = ${dir}/lock
`;
}

const userGroup = (): [string, string] => {
  const g = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
  return [os.userInfo().username, g];
};

/**
 * db_sync, fernet and credential keys and bootstrap, once per python3-keystone version and port
 * (about 20 s: four keystone-manage runs), kept under DIR/keystone/template and copied per run.
 */
function ensureTemplate(kdir: string, port: number, adminPassword: string, log: (l: string) => void): { dir: string; version: string } {
  const version = `${packageVersion('python3-keystone') ?? 'unknown'} port ${port}`;
  const tdir = path.join(kdir, 'template');
  const versionFile = path.join(tdir, 'template.version');
  if (fs.existsSync(versionFile) && fs.readFileSync(versionFile, 'utf8').trim() === version) return { dir: tdir, version };
  log(`building the Keystone template for python3-keystone ${version}`);
  fs.rmSync(tdir, { recursive: true, force: true });
  for (const d of ['lock', 'conf.d']) fs.mkdirSync(path.join(tdir, d), { recursive: true });
  const conf = path.join(tdir, 'keystone.conf');
  const db = path.join(tdir, 'keystone.db');
  fs.writeFileSync(conf, keystoneConf(tdir, db));
  // An empty --config-dir keeps oslo.config away from /etc/keystone.
  const manage = (args: string[]) => run(KEYSTONE_MANAGE, ['--config-file', conf, '--config-dir', path.join(tdir, 'conf.d'), ...args], `keystone-manage ${args[0]}`);
  const [user, group] = userGroup();
  manage(['db_sync']);
  manage(['fernet_setup', '--keystone-user', user, '--keystone-group', group]);
  manage(['credential_setup', '--keystone-user', user, '--keystone-group', group]);
  const url = `http://127.0.0.1:${port}/v3`;
  manage([
    'bootstrap',
    '--bootstrap-password', adminPassword,
    '--bootstrap-region-id', 'RegionOne',
    '--bootstrap-public-url', url,
    '--bootstrap-internal-url', url,
    '--bootstrap-admin-url', url,
  ]);
  // WAL: in rollback mode the second write through the server fails with "database is locked"
  // (a reader left open by the request before); with WAL a reader never blocks the writer.
  run(SYSTEM_PYTHON, ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("pragma journal_mode=wal"); c.close()', db], 'journal_mode=wal');
  fs.writeFileSync(path.join(tdir, 'admin.password'), `${adminPassword}\n`, { mode: 0o600 });
  fs.writeFileSync(versionFile, `${version}\n`);
  return { dir: tdir, version };
}

const recordPath = (kdir: string) => path.join(kdir, 'keystone.json');

function readRecord(kdir: string): Record_ | null {
  try {
    return JSON.parse(fs.readFileSync(recordPath(kdir), 'utf8')) as Record_;
  } catch {
    return null;
  }
}

async function healthy(port: number, timeoutMs = 3000): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v3`, { signal: AbortSignal.timeout(timeoutMs) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Plain Keystone v3 REST with a token. */
export class KeystoneAdmin {
  constructor(
    readonly authUrl: string,
    private token: string,
  ) {}

  static async login(authUrl: string, u: Pick<KeystoneUser, 'username' | 'password' | 'project_name'>): Promise<KeystoneAdmin> {
    const { token } = await issueToken(authUrl, u);
    return new KeystoneAdmin(authUrl, token);
  }

  async req<T = Record<string, any>>(method: string, p: string, body?: unknown, ok: number[] = [200, 201, 204]): Promise<{ status: number; body: T }> {
    const r = await fetch(`${this.authUrl}${p}`, {
      method,
      headers: { 'X-Auth-Token': this.token, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!ok.includes(r.status)) throw new Error(`Keystone ${method} ${p} answered ${r.status}: ${text.slice(0, 300)}`);
    return { status: r.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** The first `kind` named `name` (GET ?name=), else creates it. */
  async getOrCreate(collection: string, singular: string, name: string, body: Record<string, unknown>, query = ''): Promise<Record<string, any>> {
    const found = (await this.req('GET', `/${collection}?name=${encodeURIComponent(name)}${query}`)).body[collection] as Record<string, any>[];
    if (found.length) return found[0];
    return (await this.req('POST', `/${collection}`, { [singular]: { name, ...body } })).body[singular];
  }

  async roleId(name: string): Promise<string> {
    return ((await this.req('GET', `/roles?name=${name}`)).body.roles as { id: string }[])[0].id;
  }

  /**
   * A `network` endpoint per (region, interface) → url; existing ones are repointed. The region
   * gets `identity` endpoints too: a client whose OS_REGION_NAME is this region looks Keystone
   * itself up there (the CLI's --project lookups do).
   */
  async setNetworkEndpoints(region: string, urls: Partial<Record<'public' | 'internal' | 'admin', string>>): Promise<void> {
    await this.setServiceEndpoints(region, 'network', 'neutron', urls);
  }

  /** The same for any service type, e.g. `tricircle` (Tricircle's admin API, python-tricircleclient's). */
  async setServiceEndpoints(region: string, type: string, name: string, urls: Partial<Record<'public' | 'internal' | 'admin', string>>): Promise<void> {
    await this.req('POST', '/regions', { region: { id: region } }, [201, 409]);
    const service = await this.getOrCreate('services', 'service', name, { type, enabled: true });
    const identity = ((await this.req('GET', '/services?type=identity')).body.services as { id: string }[])[0];
    await this.setEndpoints(service.id, region, urls);
    await this.setEndpoints(identity.id, region, { public: this.authUrl, internal: this.authUrl });
  }

  private async setEndpoints(serviceId: string, region: string, urls: Partial<Record<'public' | 'internal' | 'admin', string>>): Promise<void> {
    const existing = (await this.req('GET', `/endpoints?service_id=${serviceId}&region_id=${encodeURIComponent(region)}`)).body.endpoints as { id: string; interface: string; url: string }[];
    for (const [iface, url] of Object.entries(urls)) {
      const e = existing.find((x) => x.interface === iface);
      if (e && e.url !== url) await this.req('PATCH', `/endpoints/${e.id}`, { endpoint: { url } });
      if (!e) await this.req('POST', '/endpoints', { endpoint: { service_id: serviceId, region_id: region, interface: iface, url, enabled: true } });
    }
  }

  /** Deletes the region's endpoints and the region itself. */
  async dropRegion(region: string): Promise<void> {
    const eps = (await this.req('GET', `/endpoints?region_id=${encodeURIComponent(region)}`)).body.endpoints as { id: string }[];
    for (const e of eps) await this.req('DELETE', `/endpoints/${e.id}`, undefined, [204, 404]);
    await this.req('DELETE', `/regions/${encodeURIComponent(region)}`, undefined, [204, 404]);
  }

  /** What Keystone says about a token (GET /v3/auth/tokens): its body when valid, else the status. */
  async validate(token: string): Promise<{ status: number; token?: Record<string, any> }> {
    const r = await fetch(`${this.authUrl}/auth/tokens`, { headers: { 'X-Auth-Token': this.token, 'X-Subject-Token': token } });
    const body = (await r.json()) as { token?: Record<string, any> };
    return { status: r.status, token: body.token };
  }

  /** Revokes a token (Keystone's DELETE /v3/auth/tokens). */
  async revoke(token: string): Promise<void> {
    const r = await fetch(`${this.authUrl}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': this.token, 'X-Subject-Token': token } });
    await r.arrayBuffer();
    if (r.status !== 204) throw new Error(`Keystone refused to revoke a token: ${r.status}`);
  }
}

/** A project-scoped password login: the token and the response body. */
export async function issueToken(
  authUrl: string,
  u: Pick<KeystoneUser, 'username' | 'password' | 'project_name'>,
): Promise<{ token: string; body: Record<string, any> }> {
  const r = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: u.username, domain: { name: 'Default' }, password: u.password } } },
        scope: { project: { name: u.project_name, domain: { name: 'Default' } } },
      },
    }),
  });
  const text = await r.text();
  const token = r.headers.get('x-subject-token');
  if (r.status !== 201 || !token) throw new Error(`Keystone login of ${u.username} answered ${r.status}`);
  return { token, body: JSON.parse(text) };
}

const user = (username: string, password: string, project_name: string): KeystoneUser => ({
  username,
  password,
  project_name,
  user_domain_name: 'Default',
  project_domain_name: 'Default',
});

/** Project, users, roles and the network catalog; idempotent (a shared Keystone already has them). */
async function populate(info: KeystoneInfo): Promise<void> {
  const ks = await KeystoneAdmin.login(info.auth_url, info.admin);
  const project = await ks.getOrCreate('projects', 'project', info.tester.project_name, { domain_id: 'default', enabled: true });
  const admin = await ks.roleId('admin');
  const member = await ks.roleId('member');
  for (const [u, role] of [
    [info.tester, admin],
    [info.member, member],
  ] as const) {
    const created = await ks.getOrCreate('users', 'user', u.username, { domain_id: 'default', enabled: true, password: u.password });
    // The password of a reused user is this run's.
    await ks.req('PATCH', `/users/${created.id}`, { user: { password: u.password } });
    await ks.req('PUT', `/projects/${project.id}/users/${created.id}/roles/${role}`);
  }
  for (const [region, urls] of Object.entries(info.network)) await ks.setNetworkEndpoints(region, urls);
}

export interface KeystoneStartOptions {
  stateDir?: string;
  port: number;
  /** Pod1 → pod1's URL, …: the catalog's network endpoints. */
  pods: { region: string; url: string }[];
  /** A fresh copy of the template DB (a shared, running Keystone is kept). */
  fresh?: boolean;
  startTimeoutMs?: number;
  log?: (l: string) => void;
}

async function startLocked(kdir: string, o: KeystoneStartOptions): Promise<KeystoneInfo> {
  const log = o.log ?? defaultLog;
  const rec = readRecord(kdir);
  if (rec && !o.fresh && rec.port === o.port && ownGroupMembers(rec.pid, rec.conf).length && (await healthy(rec.port))) {
    await populate(rec);
    return rec;
  }
  if (rec) await stopGroup(rec.pid, rec.conf);
  fs.rmSync(recordPath(kdir), { force: true });
  const adminPwFile = path.join(kdir, 'template', 'admin.password');
  const adminPassword = fs.existsSync(adminPwFile) ? fs.readFileSync(adminPwFile, 'utf8').trim() : randomBytes(18).toString('base64url');
  const template = ensureTemplate(kdir, o.port, adminPassword, log);
  const templatePassword = fs.readFileSync(adminPwFile, 'utf8').trim();

  const dir = path.join(kdir, 'run');
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of ['lock', 'conf.d']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.cpSync(path.join(template.dir, 'fernet-keys'), path.join(dir, 'fernet-keys'), { recursive: true });
  fs.cpSync(path.join(template.dir, 'credential-keys'), path.join(dir, 'credential-keys'), { recursive: true });
  fs.copyFileSync(path.join(template.dir, 'keystone.db'), path.join(dir, 'keystone.db'));
  const conf = path.join(dir, 'keystone.conf');
  fs.writeFileSync(conf, keystoneConf(dir, path.join(dir, 'keystone.db')));

  for (let i = 0; !(await portFree(o.port)); i++) {
    if (i >= 25) throw new Error(`keystone: 127.0.0.1:${o.port} is in use by another process`);
    await sleep(200);
  }
  const out = fs.openSync(path.join(dir, 'server.out'), 'a');
  // Its own process group, like the Neutron pods, so stop signals exactly what was started.
  const child = spawn(SYSTEM_PYTHON, [KEYSTONE_WSGI, '--host', '127.0.0.1', '--port', String(o.port), '--', '--config-file', conf, '--config-dir', path.join(dir, 'conf.d')], {
    detached: true,
    stdio: ['ignore', out, out],
    env: pythonEnv(),
    cwd: dir,
  });
  fs.closeSync(out);
  const pid = child.pid;
  if (!pid) throw new Error(`keystone: could not spawn ${KEYSTONE_WSGI}`);
  let exited: number | string | null = null;
  child.once('exit', (code, sig) => (exited = code ?? sig));
  child.unref();
  const secret = () => randomBytes(18).toString('base64url');
  const info: KeystoneInfo = {
    auth_url: `http://127.0.0.1:${o.port}/v3`,
    port: o.port,
    pid,
    dir,
    admin: user('admin', templatePassword, 'admin'),
    tester: user('crosspod-tester', secret(), 'crosspod-tests'),
    member: user('crosspod-member', secret(), 'crosspod-tests'),
    network: Object.fromEntries(
      o.pods.map((p) => {
        const u = new URL(p.url);
        return [p.region, { public: `http://127.0.0.1:${u.port}`, internal: `http://localhost:${u.port}` }];
      }),
    ),
  };
  const record: Record_ = { ...info, conf, templateVersion: template.version };
  fs.writeFileSync(recordPath(kdir), JSON.stringify(record, null, 2), { mode: 0o600 });
  const deadline = Date.now() + (o.startTimeoutMs ?? 120_000);
  while (!(await healthy(o.port, 2000))) {
    if (exited !== null || Date.now() > deadline) {
      if (exited === null) await stopGroup(pid, conf);
      fs.rmSync(recordPath(kdir), { force: true });
      throw new Error(`keystone: ${exited !== null ? `exited (${exited})` : 'no answer'} on ${info.auth_url}.\n${logTail(path.join(dir, 'server.out'))}`);
    }
    await sleep(200);
  }
  await populate(info);
  log(`Keystone up on ${info.auth_url} (pid ${pid})`);
  return info;
}

const keystoneDir = (stateDir: string) => path.join(path.resolve(stateDir), 'keystone');
const leasesPath = (kdir: string) => path.join(kdir, 'leases.json');

function liveLeases(kdir: string): number[] {
  try {
    return (JSON.parse(fs.readFileSync(leasesPath(kdir), 'utf8')) as number[]).filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

export function ensureKeystonePackages(opts: { log?: (l: string) => void } = {}): { installed: string[] } {
  return ensureDebianPackages(KEYSTONE_PACKAGES, opts);
}

/** Starts Keystone (or shares the one a run in progress holds) and takes a lease on it. */
export async function leaseKeystone(o: KeystoneStartOptions): Promise<{ keystone: KeystoneInfo; shared: boolean }> {
  const kdir = keystoneDir(o.stateDir ?? defaultStateDir());
  return withLock(kdir, async () => {
    const others = liveLeases(kdir).filter((pid) => pid !== process.pid);
    const shared = others.length > 0;
    const keystone = await startLocked(kdir, { ...o, fresh: o.fresh && !shared });
    fs.writeFileSync(leasesPath(kdir), JSON.stringify([...others, process.pid]));
    return { keystone, shared };
  });
}

async function stopLocked(kdir: string): Promise<boolean> {
  const rec = readRecord(kdir);
  if (!rec) return false;
  const running = ownGroupMembers(rec.pid, rec.conf).length > 0;
  if (running) await stopGroup(rec.pid, rec.conf);
  fs.rmSync(recordPath(kdir), { force: true });
  return running;
}

/** Drops this process's lease; stops Keystone when no other live holder remains (and stop is true). */
export async function releaseKeystone(stateDir: string = defaultStateDir(), opts: { stop?: boolean } = {}): Promise<boolean> {
  const kdir = keystoneDir(stateDir);
  if (!fs.existsSync(kdir)) return false;
  return withLock(kdir, async () => {
    const remaining = liveLeases(kdir).filter((pid) => pid !== process.pid);
    fs.writeFileSync(leasesPath(kdir), JSON.stringify(remaining));
    return remaining.length === 0 && opts.stop !== false ? stopLocked(kdir) : false;
  });
}

async function cli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const flag = (n: string) => {
    const i = rest.indexOf(n);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const stateDir = flag('--state') ?? defaultStateDir();
  const kdir = keystoneDir(stateDir);
  if (cmd === 'up') {
    ensureKeystonePackages();
    const base = Number(flag('--base-port') ?? 9696);
    const info = await withLock(kdir, () =>
      startLocked(kdir, { port: Number(flag('--port') ?? keystonePort(base)), pods: [1, 2].map((i) => ({ region: `Pod${i}`, url: `http://127.0.0.1:${base + i - 1}` })) }),
    );
    console.log(`${info.auth_url}\tpid ${info.pid}\t${info.dir}`);
    return 0;
  }
  if (cmd === 'down') {
    const stopped = await withLock(kdir, () => stopLocked(kdir));
    console.log(stopped ? 'stopped Keystone' : 'nothing to stop');
    return 0;
  }
  console.error('usage: keystone-harness.ts up|down [--state DIR] [--base-port P] [--port P]');
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
