// The project's real-Neutron harness: one neutron-server (Debian's python3-neutron, noauth,
// sqlite, no agents) per pod on 127.0.0.1. Facts behind every choice: docs/real-neutron.md.
//
//   npx tsx test/neutron/harness.ts up|down|status [--count N] [--state DIR] [--base-port P] [--fresh]
//
// Idempotent: installs only missing packages, reuses running healthy pods, and only ever
// signals process groups whose processes run with this state dir's config file.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

export const NEUTRON_PACKAGES = ['python3-neutron', 'neutron-common'] as const;
/** Debian's python: pyenv's python3 on PATH cannot see the Debian modules. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const NEUTRON_SERVER = '/usr/bin/neutron-server';
const NEUTRON_DB_MANAGE = '/usr/bin/neutron-db-manage';
const DEBIAN_API_PASTE = '/etc/neutron/api-paste.ini';
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

export interface NeutronPod {
  name: string;
  url: string;
  port: number;
  pid: number;
  dir: string;
}

export interface PodStatus extends Partial<NeutronPod> {
  name: string;
  running: boolean;
  healthy: boolean;
}

export interface StartOptions {
  count?: number;
  basePort?: number;
  stateDir?: string;
  /** Stop, recopy the template DB and restart: every pod starts empty. */
  fresh?: boolean;
  /** Passed to ml2_type_vlan; must keep `bridge:2001:3000` for the engine's bridge networks. */
  vlanRanges?: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

interface PodRecord {
  name: string;
  port: number;
  pid: number;
  conf: string;
  templateVersion: string;
  startedAt: string;
}

export function defaultStateDir(): string {
  return process.env.CROSSPOD_NEUTRON_STATE || path.join(os.tmpdir(), 'crosspod-neutron');
}

const defaultLog = (line: string) => process.stderr.write(`[neutron-harness] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Packages

function dpkgInstalled(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.startsWith('ii');
}

export function packageVersion(pkg = 'python3-neutron'): string | null {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export function missingPackages(pkgs: readonly string[] = NEUTRON_PACKAGES): string[] {
  return pkgs.filter((p) => !dpkgInstalled(p));
}

function aptCommand(pkgs: string[]): string[] {
  return [
    'apt-get', 'install', '-y', '--no-install-recommends',
    '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold',
    ...pkgs,
  ];
}

/**
 * Installs the Neutron packages that are missing (only those: apt-get install upgrades what is
 * already there). Never the neutron-server/neutron-api metapackages, which start daemons.
 */
export function ensureNeutronPackages(opts: { log?: (l: string) => void } = {}): { installed: string[] } {
  return ensureDebianPackages(NEUTRON_PACKAGES, opts);
}

/** The same for any list of Debian packages (the Keystone harness installs python3-keystone). */
export function ensureDebianPackages(pkgs: readonly string[], opts: { log?: (l: string) => void } = {}): { installed: string[] } {
  const log = opts.log ?? defaultLog;
  const missing = missingPackages(pkgs);
  if (missing.length === 0) return { installed: [] };
  const cmd = aptCommand(missing);
  if (process.getuid?.() !== 0) {
    const line = `missing Debian packages; run as root: apt-get update && DEBIAN_FRONTEND=noninteractive ${cmd.join(' ')}`;
    console.error(line);
    throw new Error(line);
  }
  log(`installing ${missing.join(' ')} (apt-get)`);
  // A policy-rc.d that refuses keeps maintainer scripts from starting any daemon.
  const ownPolicy = !fs.existsSync(POLICY_RC_D);
  if (ownPolicy) fs.writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by crosspod neutron harness\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const argv of [['apt-get', 'update'], cmd]) {
      const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) {
        const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-20).join('\n');
        throw new Error(`${argv.join(' ')} failed (exit ${r.status ?? r.signal}):\n${tail}`);
      }
    }
  } finally {
    if (ownPolicy) fs.rmSync(POLICY_RC_D, { force: true });
  }
  const still = missingPackages(pkgs);
  if (still.length) throw new Error(`still missing after apt-get: ${still.join(' ')}`);
  return { installed: missing };
}

// ---------------------------------------------------------------------------------------------
// Template database: schema from the models (sqlite cannot run the migrations), then stamped.

const CREATE_ALL_PY = `
import sys
from sqlalchemy import create_engine
from neutron.db.migration.models import head
engine = create_engine('sqlite:///' + sys.argv[1])
head.get_metadata().create_all(engine)
engine.dispose()
`;

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: pythonEnv(), maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${tail}`);
  }
}

/** pyenv's variables must not leak into Debian's python. */
export function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PYENV') || k === 'PYTHONPATH' || k === 'PYTHONHOME' || k.startsWith('OS_')) delete env[k];
  return env;
}

export function ensureTemplate(stateDir: string, log: (l: string) => void = defaultLog): { path: string; version: string } {
  const version = packageVersion() ?? 'unknown';
  const db = path.join(stateDir, 'template.db');
  const versionFile = path.join(stateDir, 'template.version');
  if (fs.existsSync(db) && fs.existsSync(versionFile) && fs.readFileSync(versionFile, 'utf8').trim() === version) {
    return { path: db, version };
  }
  log(`building template DB for python3-neutron ${version}`);
  const dir = path.join(stateDir, 'template');
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `build-${process.pid}.db`);
  fs.rmSync(tmp, { force: true });
  const conf = path.join(dir, 'neutron.conf');
  fs.writeFileSync(conf, `[DEFAULT]\ncore_plugin = ml2\nservice_plugins = router\n[database]\nconnection = sqlite:///${tmp}\n`);
  run(SYSTEM_PYTHON, ['-c', CREATE_ALL_PY, tmp], 'create_all');
  run(NEUTRON_DB_MANAGE, ['--config-file', conf, 'stamp', 'heads'], 'neutron-db-manage stamp heads');
  fs.renameSync(tmp, db);
  fs.writeFileSync(versionFile, `${version}\n`);
  return { path: db, version };
}

// ---------------------------------------------------------------------------------------------
// Per-pod configuration

function podConf(dir: string, port: number, vlanRanges: string): string {
  return `# Written by test/neutron/harness.ts; regenerated on every start.
[DEFAULT]
bind_host = 127.0.0.1
bind_port = ${port}
auth_strategy = noauth
api_paste_config = ${dir}/api-paste.ini
core_plugin = ml2
service_plugins = router
transport_url = fake://
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
dhcp_agent_notification = false
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = ${dir}/state
log_file = ${dir}/neutron.log
use_stderr = false
debug = false

[oslo_concurrency]
lock_path = ${dir}/lock

[database]
connection = sqlite:///${dir}/neutron.db

[ml2]
type_drivers = flat,vlan,vxlan,local
tenant_network_types = vxlan,local
mechanism_drivers =
extension_drivers = port_security

[ml2_type_flat]
flat_networks = *

[ml2_type_vlan]
network_vlan_ranges = ${vlanRanges}

[ml2_type_vxlan]
vni_ranges = 1:2000

[quotas]
quota_network = -1
quota_subnet = -1
quota_port = -1
quota_router = -1
quota_floatingip = -1
quota_security_group = -1
quota_security_group_rule = -1
`;
}

const podName = (i: number) => `pod${i}`;
const recordPath = (dir: string) => path.join(dir, 'pod.json');

function readRecord(dir: string): PodRecord | null {
  try {
    return JSON.parse(fs.readFileSync(recordPath(dir), 'utf8')) as PodRecord;
  } catch {
    return null;
  }
}

function podDirs(stateDir: string): string[] {
  if (!fs.existsSync(stateDir)) return [];
  return fs
    .readdirSync(stateDir)
    .filter((n) => /^pod\d+$/.test(n))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((n) => path.join(stateDir, n));
}

// ---------------------------------------------------------------------------------------------
// Processes (Linux /proc): a pod is the process group led by the neutron-server we spawned.

function procCmdline(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return null;
  }
}

/** Members of process group `pgid` whose command line names `conf`: only those are ours. */
export function ownGroupMembers(pgid: number, conf: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised comm: state ppid pgrp ...
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) !== pgid) continue;
    if (rest[0] === 'Z') continue;
    if (procCmdline(Number(entry))?.includes(conf)) out.push(Number(entry));
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alive and not yet a zombie. A dying process's cmdline reads empty while its sockets are still
 * open, so after the first look we follow the pids themselves, not the cmdline. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function stopGroup(pgid: number, conf: string, graceMs = 10_000): Promise<void> {
  const members = ownGroupMembers(pgid, conf);
  if (members.length === 0) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      /* already gone */
    }
  };
  const running = () => members.filter(alive);
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (running().length === 0) return;
    await sleep(100);
  }
  if (running().length) signal('SIGKILL');
  for (let i = 0; i < 50 && running().length; i++) await sleep(100);
}

async function healthy(port: number, timeoutMs = 3000): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v2.0/networks?limit=1`, { signal: AbortSignal.timeout(timeoutMs) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export function logTail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Lock: one harness at a time per state dir (parallel test runs, a CLI next to a test run).

export async function withLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(stateDir, { recursive: true });
  const lock = path.join(stateDir, '.lock');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      let holder = 0;
      let ageMs = 0;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8').trim() || 0);
        ageMs = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      let alive = holder === 0 && ageMs < 10_000; // created, pid not written yet
      try {
        if (holder > 0) {
          process.kill(holder, 0);
          alive = true;
        }
      } catch {
        /* holder gone: stale lock */
      }
      if (!alive) fs.rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`harness lock ${lock} held by pid ${holder}`);
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Start / stop / status

async function startPod(
  stateDir: string,
  index: number,
  port: number,
  template: { path: string; version: string },
  opts: Required<Pick<StartOptions, 'fresh' | 'vlanRanges' | 'startTimeoutMs'>> & { log: (l: string) => void },
): Promise<NeutronPod> {
  const name = podName(index);
  const dir = path.join(stateDir, name);
  const conf = path.join(dir, 'neutron.conf');
  const url = `http://127.0.0.1:${port}`;
  fs.mkdirSync(dir, { recursive: true });
  const text = podConf(dir, port, opts.vlanRanges);
  const rec = readRecord(dir);

  const running = rec ? ownGroupMembers(rec.pid, rec.conf).length > 0 : false;
  const sameConfig = fs.existsSync(conf) && fs.readFileSync(conf, 'utf8') === text;
  if (rec && running && !opts.fresh && sameConfig && rec.templateVersion === template.version && rec.port === port && (await healthy(port))) {
    return { name, url, port, pid: rec.pid, dir };
  }
  if (rec && running) await stopGroup(rec.pid, rec.conf);
  fs.rmSync(recordPath(dir), { force: true });

  // A process that just exited may hold the port for a moment longer.
  for (let i = 0; !(await portFree(port)); i++) {
    if (i >= 25) throw new Error(`${name}: 127.0.0.1:${port} is in use by another process`);
    await sleep(200);
  }

  for (const d of ['state', 'lock', 'conf.d']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(conf, text);
  fs.copyFileSync(DEBIAN_API_PASTE, path.join(dir, 'api-paste.ini'));
  fs.writeFileSync(path.join(dir, 'openrc'), `export OS_AUTH_TYPE=none\nexport OS_ENDPOINT=${url}\n`);
  const db = path.join(dir, 'neutron.db');
  const dbVersion = path.join(dir, 'neutron.db.version');
  const kept = fs.existsSync(db) && fs.existsSync(dbVersion) && fs.readFileSync(dbVersion, 'utf8').trim() === template.version;
  if (opts.fresh || !kept) {
    for (const f of [db, `${db}-journal`, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
    fs.copyFileSync(template.path, db);
    // WAL: the pod's three processes (and the API's greenthreads, each on its own connection)
    // share this file. In rollback-journal mode a write that upgrades a read transaction while
    // another connection holds the write lock fails at once with "database is locked" (SQLite
    // skips the busy handler to avoid a deadlock): a Neutron 500 on a create, seen right after
    // the crash test. In WAL readers never block the writer, and the setting stays in the file.
    const h = new Database(db);
    h.pragma('journal_mode = WAL');
    h.close();
    fs.writeFileSync(dbVersion, `${template.version}\n`);
  }
  const logFile = path.join(dir, 'neutron.log');
  const out = fs.openSync(path.join(dir, 'server.out'), 'a');
  // Own process group (detached) so stop can signal the API process and its two workers at once.
  // An empty --config-dir keeps oslo.config from reading /etc/neutron/neutron.conf.d.
  const child = spawn(NEUTRON_SERVER, ['--config-file', conf, '--config-dir', path.join(dir, 'conf.d')], {
    detached: true,
    stdio: ['ignore', out, out],
    env: pythonEnv(),
    cwd: dir,
  });
  fs.closeSync(out);
  const pid = child.pid;
  if (!pid) throw new Error(`${name}: could not spawn ${NEUTRON_SERVER}`);
  let exited: number | string | null = null;
  child.once('exit', (code, sig) => (exited = code ?? sig));
  child.unref();
  const record: PodRecord = { name, port, pid, conf, templateVersion: template.version, startedAt: new Date().toISOString() };
  fs.writeFileSync(recordPath(dir), JSON.stringify(record, null, 2));

  const deadline = Date.now() + opts.startTimeoutMs;
  while (!(await healthy(port, 2000))) {
    if (exited !== null) {
      fs.rmSync(recordPath(dir), { force: true });
      throw new Error(`${name}: neutron-server exited (${exited}) before answering.\n${logTail(logFile)}\n${logTail(path.join(dir, 'server.out'), 10)}`);
    }
    if (Date.now() > deadline) {
      await stopGroup(pid, conf);
      fs.rmSync(recordPath(dir), { force: true });
      throw new Error(`${name}: no HTTP 200 from ${url}/v2.0/networks within ${opts.startTimeoutMs} ms.\n${logTail(logFile)}`);
    }
    await sleep(200);
  }
  opts.log(`${name} up on ${url} (pid ${pid})`);
  return { name, url, port, pid, dir };
}

function checkBinaries(): void {
  for (const f of [NEUTRON_SERVER, NEUTRON_DB_MANAGE, SYSTEM_PYTHON, DEBIAN_API_PASTE]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run ensureNeutronPackages() (or harness.ts up) first`);
  }
}

async function startLocked(stateDir: string, options: StartOptions): Promise<NeutronPod[]> {
  const count = options.count ?? 2;
  const basePort = options.basePort ?? 9696;
  const log = options.log ?? defaultLog;
  const template = ensureTemplate(stateDir, log);
  const opts = {
    fresh: options.fresh ?? false,
    vlanRanges: options.vlanRanges ?? 'bridge:2001:3000',
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    log,
  };
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startPod(stateDir, i + 1, basePort + i, template, opts)));
  const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw new Error(failed.map((f) => String(f.reason instanceof Error ? f.reason.message : f.reason)).join('\n'));
  return started.map((r) => (r as PromiseFulfilledResult<NeutronPod>).value);
}

async function stopLocked(stateDir: string): Promise<string[]> {
  const stopped: string[] = [];
  await Promise.all(
    podDirs(stateDir).map(async (dir) => {
      const rec = readRecord(dir);
      if (!rec) return;
      if (ownGroupMembers(rec.pid, rec.conf).length) {
        await stopGroup(rec.pid, rec.conf);
        stopped.push(rec.name);
      }
      fs.rmSync(recordPath(dir), { force: true });
    }),
  );
  return stopped.sort();
}

/** Starts (or reuses) pods pod1..podN on basePort.. and returns them in order. */
export async function startNeutronPods(options: StartOptions = {}): Promise<NeutronPod[]> {
  checkBinaries();
  const stateDir = path.resolve(options.stateDir ?? defaultStateDir());
  return withLock(stateDir, () => startLocked(stateDir, options));
}

/** Stops every pod this state dir started (SIGTERM to each group, then SIGKILL). */
export async function stopNeutronPods(stateDir: string = defaultStateDir()): Promise<string[]> {
  stateDir = path.resolve(stateDir);
  if (!fs.existsSync(stateDir)) return [];
  return withLock(stateDir, () => stopLocked(stateDir));
}

// Leases: test runs on one machine may overlap (several engineers, one set of ports). The first
// holder gets the pods it asked for (fresh or not); later holders share the running pods, which
// is safe because tests name everything uniquely; the last holder to leave stops them.

const leasesPath = (stateDir: string) => path.join(stateDir, 'leases.json');

function liveLeases(stateDir: string): number[] {
  let pids: number[] = [];
  try {
    pids = JSON.parse(fs.readFileSync(leasesPath(stateDir), 'utf8')) as number[];
  } catch {
    return [];
  }
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

export async function leaseNeutronPods(options: StartOptions = {}): Promise<{ pods: NeutronPod[]; shared: boolean }> {
  checkBinaries();
  const stateDir = path.resolve(options.stateDir ?? defaultStateDir());
  return withLock(stateDir, async () => {
    const others = liveLeases(stateDir).filter((pid) => pid !== process.pid);
    const shared = others.length > 0;
    const pods = await startLocked(stateDir, { ...options, fresh: options.fresh && !shared });
    fs.writeFileSync(leasesPath(stateDir), JSON.stringify([...others, process.pid]));
    return { pods, shared };
  });
}

/** Drops this process's lease; stops the pods when no other live holder remains (and stop is true). */
export async function releaseNeutronPods(stateDir: string = defaultStateDir(), opts: { stop?: boolean } = {}): Promise<string[]> {
  stateDir = path.resolve(stateDir);
  return withLock(stateDir, async () => {
    const remaining = liveLeases(stateDir).filter((pid) => pid !== process.pid);
    fs.writeFileSync(leasesPath(stateDir), JSON.stringify(remaining));
    return remaining.length === 0 && opts.stop !== false ? stopLocked(stateDir) : [];
  });
}

export async function neutronStatus(stateDir: string = defaultStateDir()): Promise<PodStatus[]> {
  stateDir = path.resolve(stateDir);
  return Promise.all(
    podDirs(stateDir).map(async (dir) => {
      const name = path.basename(dir);
      const rec = readRecord(dir);
      if (!rec) return { name, dir, running: false, healthy: false };
      const running = ownGroupMembers(rec.pid, rec.conf).length > 0;
      return {
        name,
        dir,
        port: rec.port,
        pid: rec.pid,
        url: `http://127.0.0.1:${rec.port}`,
        running,
        healthy: running && (await healthy(rec.port)),
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// A simulated DHCP agent
//
// The pods run with dhcp_agent_notification = false and no agent, so Neutron never makes a DHCP
// port. A real region's neutron-dhcp-agent does, a moment after a DHCP-enabled subnet appears,
// and the address it takes is Neutron's pick: one the top may already have given a VM. This
// helper does what the agent does FOR PORTS ONLY (its DeviceManager.setup_dhcp_port), through the
// Neutron API of one pod; it serves nothing (a real agent also needs dnsmasq and namespaces):
// - for each network with DHCP-enabled subnets: keep the agent's own DHCP port, else claim a port
//   with device_id `reserved_dhcp_port` (Tricircle's pre-created one), else create a
//   `network:dhcp` port letting Neutron pick its addresses; a port lacking one of the subnets
//   gets an address there, again Neutron's pick;
// - a network with no DHCP-enabled subnet left loses the agent's port (release_dhcp_port).

export const RESERVED_DHCP_PORT = 'reserved_dhcp_port';

export interface DhcpAgentTurn {
  claimed: string[];
  created: string[];
  extended: string[];
  released: string[];
}

type Raw = Record<string, unknown> & { id: string };

/**
 * One pass of the simulated agent over a noauth pod at `url`. `networks` limits it to those
 * (tests share pods, and a real agent would serve every network); `host` names its host.
 */
export async function runDhcpAgent(url: string, opts: { networks?: string[]; host?: string } = {}): Promise<DhcpAgentTurn> {
  const host = opts.host ?? 'crosspod-sim';
  const serves = (net: string) => opts.networks === undefined || opts.networks.includes(net);
  const api = async (method: string, p: string, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await fetch(`${url}/v2.0/${p}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`DHCP agent: ${method} ${p} answered ${r.status}: ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const turn: DhcpAgentTurn = { claimed: [], created: [], extended: [], released: [] };
  const subnets = (await api('GET', 'subnets?enable_dhcp=True')).subnets as Raw[];
  const byNet = new Map<string, Raw[]>();
  for (const s of subnets) if (serves(String(s.network_id))) byNet.set(String(s.network_id), [...(byNet.get(String(s.network_id)) ?? []), s]);
  const dhcpPorts = (await api('GET', 'ports?device_owner=network%3Adhcp')).ports as Raw[];
  const portsOf = (net: string) => dhcpPorts.filter((p) => p.network_id === net);
  // The agent's device id: dhcp<uuid5 of the host>-<network id> in Neutron; the host name here.
  const deviceOf = (net: string) => `dhcp${host}-${net}`;
  for (const [net, subs] of byNet) {
    const ports = portsOf(net);
    const device = deviceOf(net);
    let port = ports.find((p) => p.device_id === device);
    if (!port) {
      port = ports.find((p) => p.device_id === RESERVED_DHCP_PORT);
      if (port) {
        await api('PUT', `ports/${port.id}`, { port: { device_id: device } });
        turn.claimed.push(port.id);
      }
    }
    if (!port) {
      const created = (await api('POST', 'ports', {
        port: { network_id: net, project_id: subs[0].project_id ?? subs[0].tenant_id, device_owner: 'network:dhcp', device_id: device, fixed_ips: subs.map((s) => ({ subnet_id: s.id })) },
      })).port as Raw;
      turn.created.push(created.id);
      continue;
    }
    const ips = port.fixed_ips as { subnet_id: string; ip_address: string }[];
    const missing = subs.filter((s) => !ips.some((f) => f.subnet_id === s.id));
    if (missing.length > 0) {
      await api('PUT', `ports/${port.id}`, { port: { fixed_ips: [...ips, ...missing.map((s) => ({ subnet_id: s.id }))] } });
      turn.extended.push(port.id);
    }
  }
  for (const p of dhcpPorts) {
    if (serves(String(p.network_id)) && String(p.device_id).startsWith(`dhcp${host}-`) && !byNet.has(String(p.network_id))) {
      await api('DELETE', `ports/${p.id}`);
      turn.released.push(p.id);
    }
  }
  return turn;
}

// ---------------------------------------------------------------------------------------------
// CLI

async function cli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const flag = (n: string) => {
    const i = rest.indexOf(n);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const stateDir = flag('--state') ?? defaultStateDir();
  const t0 = Date.now();
  switch (cmd) {
    case 'up': {
      ensureNeutronPackages();
      const pods = await startNeutronPods({
        count: Number(flag('--count') ?? 2),
        basePort: Number(flag('--base-port') ?? 9696),
        stateDir,
        fresh: rest.includes('--fresh'),
      });
      for (const p of pods) console.log(`${p.name}\t${p.url}\tpid ${p.pid}\t${p.dir}`);
      console.log(`up in ${((Date.now() - t0) / 1000).toFixed(1)} s (state ${path.resolve(stateDir)})`);
      return 0;
    }
    case 'down': {
      const stopped = await stopNeutronPods(stateDir);
      console.log(`stopped ${stopped.length ? stopped.join(' ') : 'nothing'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'status': {
      const st = await neutronStatus(stateDir);
      if (!st.length) console.log(`no pods under ${path.resolve(stateDir)}`);
      for (const s of st) console.log(`${s.name}\t${s.url ?? '-'}\t${s.running ? `pid ${s.pid}\t${s.healthy ? 'healthy' : 'unhealthy'}` : 'stopped'}`);
      const running = st.filter((s) => s.running);
      return running.length && running.every((s) => s.healthy) ? 0 : 1;
    }
    default:
      console.error('usage: harness.ts up|down|status [--count N] [--state DIR] [--base-port P] [--fresh]');
      return 2;
  }
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
