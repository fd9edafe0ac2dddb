// The lab host: many labs, each one SQLite file in `<labsDir>/<name>.db`, one of them open at a
// time. It looks like an Engine to both transports (call, subscribe, …): labs.* it answers itself,
// everything else goes to the current lab's engine. Switching closes the old engine, opens the
// new one and emits labs.changed, so every view reloads; no restart.
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ZodError } from 'zod';
import { contract, isLabMethod, isMethod, methods, type Api, type EngineEvent, type LabInfo, type LabMethod, type LabProgress, type Method, type Output, type ParsedInput, type SnapshotInfo } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import { LAB_NAME_PATTERN, type LabDocument, type LabExample } from '../../../shared/lab-document';
import { createEngine } from '../index';
import { ensurePrivateDir, ensurePrivateFile, openStore } from '../store';
import type { BridgeSettings, CallMeta, Engine, EngineOptions } from '../types';
import { checkDocument, documentBridge, exportLab, replayDocument } from './document';
import { exampleDocument } from './examples';

export interface LabHostOptions {
  /** Where the labs live: `<labsDir>/<name>.db`. */
  labsDir: string;
  /** Where snapshots live: `<snapshotsDir>/<name>/<stamp>-<label>.db`. */
  snapshotsDir: string;
  /** Remembers the lab last opened, to reopen it next time. */
  stateFile?: string;
  /** The lab to open; else the one remembered, else the first, else a new "default". */
  initial?: string;
  /** One file only (`--db FILE`): labs.create/open/rename/duplicate/delete/import answer LABS_SINGLE_FILE. */
  single?: boolean;
  /** The store's own backups (before a migration, on quit) of every lab: `<backupDir>/<name>-<label>-<stamp>.db`. */
  backupDir?: string;
  /** Options for every lab's engine (secrets, driver factory, …); its settings.bridge is the lab's own. */
  engine?: Omit<EngineOptions, 'dbPath'>;
  now?: () => Date;
}

export interface LabHost extends Engine {
  /** The current lab's engine (changes on every switch). */
  readonly engine: Engine;
  readonly current: string;
  /** The current lab's file. */
  readonly file: string;
}

const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const SIDE_FILES = ['', '-wal', '-shm', '.oplog'];

export function checkLabName(name: string, field = 'name'): string {
  if (!LAB_NAME_PATTERN.test(name) || RESERVED.test(name)) {
    throw new CrosspodError('LAB_NAME_INVALID', `${JSON.stringify(name)} is not a lab name: letters, digits, space, dot, dash or underscore, starting with a letter or digit, at most 64 characters`, { [field]: name });
  }
  return name;
}

/** The bridge settings stored in a lab file (null when it has none: the defaults apply). */
function readLabBridge(file: string): BridgeSettings | null {
  if (!existsSync(file) || statSync(file).size === 0) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'lab_settings'").get();
    if (!has) return null;
    const row = db.prepare("SELECT value FROM lab_settings WHERE key = 'bridge'").get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as BridgeSettings) : null;
  } finally {
    db.close();
  }
}

/** Region names of the real-region (neutron) pods of a lab file. */
function realRegions(db: Database.Database): string[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'pods'").get();
  if (!has) return [];
  return db.prepare("SELECT region_name FROM pods WHERE driver = 'neutron' ORDER BY region_name").pluck().all() as string[];
}

export async function openLabHost(opts: LabHostOptions): Promise<LabHost> {
  const { labsDir, snapshotsDir } = opts;
  const now = opts.now ?? (() => new Date());
  ensurePrivateDir(labsDir);
  const fileOf = (name: string) => join(labsDir, `${name}.db`);
  const names = (): string[] =>
    readdirSync(labsDir)
      .filter((f) => f.endsWith('.db'))
      .map((f) => f.slice(0, -3))
      .filter((n) => LAB_NAME_PATTERN.test(n))
      .sort((a, b) => a.localeCompare(b));
  /** The lab's name as stored, or null: names are unique whatever their case (for every file system). */
  const find = (name: string) => names().find((n) => n.toLowerCase() === name.toLowerCase()) ?? null;
  const must = (name: string): string => {
    checkLabName(name);
    const have = find(name);
    if (!have) throw new CrosspodError('LAB_NOT_FOUND', `There is no lab ${name}`, { name });
    return have;
  };
  const free = (name: string, field = 'name'): string => {
    checkLabName(name, field);
    const have = find(name);
    if (have) throw new CrosspodError('LAB_EXISTS', `A lab named ${have} exists already`, { name: have });
    return name;
  };
  const remember = (name: string) => {
    if (opts.stateFile) writeFileSync(opts.stateFile, JSON.stringify({ last_lab: name }) + '\n', { mode: 0o600 });
  };
  const removeFiles = (file: string) => {
    for (const s of SIDE_FILES) rmSync(file + s, { force: true });
  };

  const listeners = new Set<(e: EngineEvent) => void>();
  const emit = (e: EngineEvent) => {
    for (const l of listeners) l(e);
  };
  const progress = (p: LabProgress) => emit({ name: 'labs.progress', ids: [p.lab], lab_progress: p });

  const engineFor = async (file: string): Promise<Engine> => {
    const bridge = readLabBridge(file);
    const base = opts.engine ?? {};
    return createEngine({ ...base, dbPath: file, ...(opts.backupDir ? { backupDir: opts.backupDir } : {}), settings: { ...base.settings, ...(bridge ? { bridge } : {}) } });
  };

  // The current lab.
  let current = '';
  let engine: Engine;
  let unsubscribe = () => {};
  const attach = (name: string, e: Engine) => {
    unsubscribe();
    current = name;
    engine = e;
    unsubscribe = e.subscribe(emit);
    if (!opts.single) remember(name);
  };

  {
    let name = opts.initial;
    if (name === undefined && opts.stateFile && existsSync(opts.stateFile)) {
      try {
        const last = (JSON.parse(readFileSync(opts.stateFile, 'utf8')) as { last_lab?: string }).last_lab;
        if (last && find(last)) name = find(last)!;
      } catch {
        // An unreadable note is no reason not to start: the first lab opens instead.
      }
    }
    name ??= names()[0] ?? 'default';
    checkLabName(name);
    name = find(name) ?? name;
    attach(name, await engineFor(fileOf(name)));
  }

  const info = (name: string): LabInfo => {
    const file = fileOf(name);
    const st = statSync(file);
    let pods = 0;
    let real: string[] = [];
    if (name === current) {
      pods = engine.store.db.prepare('SELECT COUNT(*) FROM pods').pluck().get() as number;
      real = realRegions(engine.store.db);
    } else if (st.size > 0) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'pods'").get();
        pods = has ? (db.prepare('SELECT COUNT(*) FROM pods').pluck().get() as number) : 0;
        real = realRegions(db);
      } catch {
        // A file that cannot be read still shows in the list; opening it says what is wrong.
      } finally {
        db.close();
      }
    }
    const wal = existsSync(file + '-wal') ? statSync(file + '-wal').size : 0;
    return { name, current: name === current, size_bytes: st.size + wal, modified_at: st.mtime.toISOString(), pods, real_regions: real };
  };

  // ---- snapshots ----
  const snapDir = (name: string) => join(snapshotsDir, name);
  const snapshotInfo = (lab: string, id: string): SnapshotInfo => {
    const m = /^(\d{8}T\d{6}\d{3}Z)-(.*)\.db$/.exec(id);
    const stamp = m?.[1] ?? '';
    const iso = stamp ? `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z` : '';
    return { id, lab, label: m?.[2] ?? id, created_at: iso, size_bytes: statSync(join(snapDir(lab), id)).size };
  };
  const listSnapshots = (lab: string): SnapshotInfo[] => {
    const dir = snapDir(lab);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => /^\d{8}T\d{6}\d{3}Z-.*\.db$/.test(f))
      .sort()
      .reverse()
      .map((f) => snapshotInfo(lab, f));
  };
  let lastStamp = '';
  const takeSnapshot = async (lab: string, label: string): Promise<SnapshotInfo> => {
    const clean = label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'manual';
    let stamp = now().toISOString().replace(/[-:.]/g, '').replace(/(\d{6})(\d{3})Z$/, '$1$2Z');
    // Two snapshots in one millisecond still get two names, in order.
    while (stamp <= lastStamp) stamp = stamp.replace(/(\d{3})Z$/, (_m, ms: string) => `${String(Number(ms) + 1).padStart(3, '0')}Z`);
    lastStamp = stamp;
    const dir = snapDir(lab);
    ensurePrivateDir(dir);
    const id = `${stamp}-${clean}.db`;
    const dest = join(dir, id);
    ensurePrivateFile(dest);
    if (lab === current) await engine.store.db.backup(dest);
    else {
      const db = new Database(fileOf(lab), { readonly: true, fileMustExist: true });
      try {
        await db.backup(dest);
      } finally {
        db.close();
      }
    }
    return snapshotInfo(lab, id);
  };

  // Lab operations one at a time; engine calls wait only while an engine is being swapped (not
  // while, say, a long import builds another file).
  let chain: Promise<unknown> = Promise.resolve();
  let switching: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };
  const changed = (...ids: string[]) => emit({ name: 'labs.changed', ids, current });

  /** Closes the current engine, runs fn on the files, then opens `next` (the old lab again if that fails). */
  const swap = async (next: string, fn: () => void | Promise<void> = () => {}): Promise<void> => {
    let swapped = () => {};
    switching = new Promise<void>((res) => (swapped = res));
    const old = current;
    try {
      await engine.idle();
      await engine.close();
      try {
        await fn();
        attach(next, await engineFor(fileOf(next)));
      } catch (e) {
        if (find(old)) attach(old, await engineFor(fileOf(old)));
        throw e;
      }
    } finally {
      swapped();
    }
  };

  /** Builds a new lab file from a document; the file is removed again if anything fails. */
  const build = async (name: string, doc: LabDocument, operation: LabProgress['operation']): Promise<void> => {
    const file = fileOf(name);
    const bridge = documentBridge(doc);
    try {
      const store = await openStore(file);
      store.db.prepare("INSERT INTO lab_settings (key, value) VALUES ('bridge', ?)").run(JSON.stringify(bridge));
      store.close();
      const e = await engineFor(file);
      try {
        progress({ lab: name, operation, done: 0, total: 1, step: 'start' });
        await replayDocument(e, doc, (done, total, step) => progress({ lab: name, operation, done, total, step }));
        await e.idle();
      } finally {
        await e.close();
      }
    } catch (err) {
      removeFiles(file);
      rmSync(snapDir(name), { recursive: true, force: true });
      throw err;
    }
  };
  const single = (m: string) => {
    if (opts.single) throw new CrosspodError('LABS_SINGLE_FILE', `${m}: this console was started on one file (--db); start it with --data-dir for many labs`);
  };
  const guardReal = (name: string, force: boolean | undefined, what: string) => {
    const real = info(name).real_regions;
    if (real.length && !force) {
      throw new CrosspodError('LAB_HAS_REAL_REGIONS', `Lab ${name} has real-region pods (${real.join(', ')}): a ${what} replaces only the lab file and never touches those regions, so what they hold will no longer match. Confirm with force: true`, { name, real_regions: real });
    }
  };

  type H = { [M in LabMethod]: (i: ParsedInput<M>) => Promise<Output<M>> };
  const h: H = {
    'labs.list': async () => ({ labs: (opts.single ? [current] : names()).map(info), current, single_file: !!opts.single }),
    'labs.current': async () => info(current),
    'labs.create': (i) =>
      serial(async () => {
        single('labs.create');
        const name = free(i.name);
        if (i.example) await build(name, exampleDocument(i.example as LabExample), 'create');
        else (await openStore(fileOf(name))).close();
        if (i.open !== false) await swap(name);
        changed(name);
        return info(name);
      }),
    'labs.open': (i) =>
      serial(async () => {
        single('labs.open');
        const name = must(i.name);
        if (name !== current) {
          await swap(name);
          changed(name);
        }
        return info(name);
      }),
    'labs.rename': (i) =>
      serial(async () => {
        single('labs.rename');
        const from = must(i.name);
        const to = from.toLowerCase() === i.new_name.toLowerCase() ? checkLabName(i.new_name, 'new_name') : free(i.new_name, 'new_name');
        const move = () => {
          for (const s of SIDE_FILES) if (existsSync(fileOf(from) + s)) renameSync(fileOf(from) + s, fileOf(to) + s);
          if (existsSync(snapDir(from))) renameSync(snapDir(from), snapDir(to));
        };
        if (from === current) await swap(to, move);
        else move();
        changed(from, to);
        return info(to);
      }),
    'labs.duplicate': (i) =>
      serial(async () => {
        single('labs.duplicate');
        const from = must(i.name);
        const to = free(i.new_name, 'new_name');
        ensurePrivateFile(fileOf(to));
        try {
          if (from === current) await engine.store.db.backup(fileOf(to));
          else {
            const db = new Database(fileOf(from), { readonly: true, fileMustExist: true });
            try {
              await db.backup(fileOf(to));
            } finally {
              db.close();
            }
          }
        } catch (e) {
          removeFiles(fileOf(to));
          throw e;
        }
        changed(to);
        return info(to);
      }),
    'labs.delete': (i) =>
      serial(async () => {
        single('labs.delete');
        const name = must(i.name);
        if (name === current) throw new CrosspodError('LAB_IN_USE', `Lab ${name} is open: open another lab before deleting it`, { name });
        removeFiles(fileOf(name));
        rmSync(snapDir(name), { recursive: true, force: true });
        changed(name);
        return { name };
      }),
    'labs.reset': (i) =>
      serial(async () => {
        const name = i.name === undefined ? current : must(i.name);
        guardReal(name, i.force, 'reset');
        await takeSnapshot(name, 'before-reset');
        progress({ lab: name, operation: 'reset', done: 0, total: 1, step: 'replacing the file' });
        const replace = async () => {
          removeFiles(fileOf(name));
          (await openStore(fileOf(name))).close();
        };
        if (name === current) await swap(name, replace);
        else await replace();
        progress({ lab: name, operation: 'reset', done: 1, total: 1, step: 'done' });
        changed(name);
        return info(name);
      }),
    'labs.export': async (i) => {
      const name = i.name === undefined ? current : must(i.name);
      await switching;
      if (name === current) return exportLab(engine, engine.settings.bridge);
      // Another lab: read through an engine of its own, closed again at once.
      return serial(async () => {
        const e = await engineFor(fileOf(name));
        try {
          return await exportLab(e, e.settings.bridge);
        } finally {
          await e.close();
        }
      });
    },
    'labs.import': (i) =>
      serial(async () => {
        single('labs.import');
        const name = free(i.name);
        // Checked before anything is written: a broken document creates nothing.
        const doc = checkDocument(typeof i.document === 'string' ? parseJsonDocument(i.document) : i.document);
        await build(name, doc, 'import');
        if (i.open !== false) await swap(name);
        changed(name);
        return info(name);
      }),
    'labs.snapshot': (i) =>
      serial(async () => {
        const name = i.name === undefined ? current : must(i.name);
        const s = await takeSnapshot(name, i.label ?? 'manual');
        changed(name);
        return s;
      }),
    'labs.snapshots': async (i) => ({ snapshots: listSnapshots(i.name === undefined ? current : must(i.name)) }),
    'labs.restore': (i) =>
      serial(async () => {
        const name = i.name === undefined ? current : must(i.name);
        const snap = listSnapshots(name).find((s) => s.id === i.snapshot);
        if (!snap) throw new CrosspodError('SNAPSHOT_NOT_FOUND', `Lab ${name} has no snapshot ${i.snapshot}`, { name, snapshot: i.snapshot });
        guardReal(name, i.force, 'restore');
        const before = await takeSnapshot(name, 'before-restore');
        progress({ lab: name, operation: 'restore', done: 0, total: 1, step: `restoring ${snap.id}` });
        const copy = async () => {
          removeFiles(fileOf(name));
          ensurePrivateFile(fileOf(name));
          const src = new Database(join(snapDir(name), snap.id), { readonly: true, fileMustExist: true });
          try {
            await src.backup(fileOf(name));
          } finally {
            src.close();
          }
        };
        if (name === current) await swap(name, copy);
        else await copy();
        progress({ lab: name, operation: 'restore', done: 1, total: 1, step: 'done' });
        changed(name);
        return { lab: info(name), before };
      }),
  };

  const call = async <M extends Method>(method: M, input: unknown, meta: CallMeta = {}): Promise<Output<M>> => {
    if (!isLabMethod(method)) {
      await switching;
      return engine.call(method, input, meta);
    }
    if (!isMethod(method)) throw new CrosspodError('UNKNOWN_METHOD', `Unknown method ${String(method)}`);
    let parsed: ParsedInput<M>;
    try {
      parsed = contract[method].input.parse(input ?? {}) as ParsedInput<M>;
    } catch (e) {
      if (!(e instanceof ZodError)) throw e;
      const issues = e.issues.map((x) => ({ path: x.path.join('.'), message: x.message, code: x.code }));
      throw new CrosspodError('INVALID_INPUT', `Invalid input for ${method}: ${issues.map((x) => `${x.path || '(input)'}: ${x.message}`).join('; ')}`, { issues });
    }
    return (h[method as LabMethod] as unknown as (i: ParsedInput<M>) => Promise<Output<M>>)(parsed);
  };

  const host: LabHost = {
    call,
    api: Object.fromEntries(methods.map((m) => [m, (input: unknown) => call(m, input)])) as unknown as Api,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async idle() {
      await chain;
      await engine.idle();
    },
    get store() {
      return engine.store;
    },
    integrity: () => engine.integrity(),
    get settings() {
      return engine.settings;
    },
    get engine() {
      return engine;
    },
    get current() {
      return current;
    },
    get file() {
      return fileOf(current);
    },
    async close() {
      await chain;
      unsubscribe();
      await engine.close();
    },
  };
  return host;
}

function parseJsonDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CrosspodError('LAB_DOCUMENT_INVALID', `The lab document is not JSON: ${(e as Error).message}`, { issues: [{ path: '', message: (e as Error).message }] });
  }
}

/** `--db FILE`: the file's folder holds the lab; only that file is served (single-lab mode). */
export function singleFileLayout(dbFile: string): Pick<LabHostOptions, 'labsDir' | 'snapshotsDir' | 'initial' | 'single'> {
  const dir = join(dbFile, '..');
  const base = basename(dbFile);
  if (!base.endsWith('.db')) throw new Error(`--db ${dbFile}: a lab file's name ends in .db`);
  return { labsDir: dir, snapshotsDir: join(dir, 'snapshots'), initial: base.slice(0, -3), single: true };
}

/** `--data-dir DIR`: labs in DIR/labs, snapshots in DIR/snapshots, the last lab remembered in DIR/labs.json. */
export function dataDirLayout(dataDir: string): Pick<LabHostOptions, 'labsDir' | 'snapshotsDir' | 'stateFile' | 'backupDir'> {
  return { labsDir: join(dataDir, 'labs'), snapshotsDir: join(dataDir, 'snapshots'), stateFile: join(dataDir, 'labs.json'), backupDir: join(dataDir, 'backups') };
}

/**
 * A data folder from before labs kept one crosspod.db: it becomes the lab "default" (with its
 * -wal, -shm and journal), once, when the labs folder has no lab yet.
 */
export function adoptLegacyDb(dataDir: string): string | null {
  const old = join(dataDir, 'crosspod.db');
  const labs = join(dataDir, 'labs');
  if (!existsSync(old)) return null;
  ensurePrivateDir(labs);
  if (readdirSync(labs).some((f) => f.endsWith('.db'))) return null;
  for (const s of SIDE_FILES) if (existsSync(old + s)) renameSync(old + s, join(labs, `default.db${s}`));
  return 'default';
}
