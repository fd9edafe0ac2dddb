// `npm run serve -- [--data-dir DIR | --db FILE] [--lab NAME] [--port N] [--host 127.0.0.1]`: the
// engine under plain Node, the renderer served to a browser. Prints one line, the URL with its
// token, and nothing secret. --data-dir (the default) serves many labs (DIR/labs/<name>.db) and
// switches between them without a restart; --db FILE serves that one file only.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { adoptLegacyDb, dataDirLayout, openLabHost, singleFileLayout } from '../engine/labs/host';
import { ensurePrivateDir } from '../engine/store';
import { fileKeySecretBox } from '../engine/secrets/file-key';
import { startServer } from './server';

const USAGE = 'usage: npm run serve -- [--data-dir DIR | --db FILE] [--lab NAME] [--port N] [--host 127.0.0.1] [--keystone-url URL]';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CROSSPOD_DATA_DIR) return resolve(env.CROSSPOD_DATA_DIR);
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'crosspod');
}

interface CliOptions {
  /** One lab file (--db or $CROSSPOD_DB), or null: the labs of the data folder. */
  db: string | null;
  dataDir: string;
  lab?: string;
  /** The data folder is Crosspod's own (not a --data-dir, --db or $CROSSPOD_DB the user chose). */
  ownFolder: boolean;
  port: number;
  /** --port was given: that port (0: any), and nothing kept for the next start. */
  portGiven: boolean;
  host: string;
  /** Keystone that validates tokens sent to the OpenStack APIs (besides the console's token). */
  keystoneUrl?: string;
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      'data-dir': { type: 'string' },
      lab: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'keystone-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535, not ${values.port}`);
  if (values.db && values['data-dir']) throw new Error('give --db FILE (one lab) or --data-dir DIR (many labs), not both');
  const db = values.db ? resolve(values.db) : !values['data-dir'] && env.CROSSPOD_DB ? resolve(env.CROSSPOD_DB) : null;
  if (db && values.lab) throw new Error('--lab names a lab of a data folder: not with --db');
  const dataDir = db ? dirname(db) : values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(env);
  const ownFolder = !db && !values['data-dir'] && !env.CROSSPOD_DATA_DIR;
  const keystoneUrl = values['keystone-url'];
  if (keystoneUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(keystoneUrl)) throw new Error(`--keystone-url must be an http(s) URL, not ${keystoneUrl}`);
  return { db, dataDir, lab: values.lab, ownFolder, port, portGiven: values.port !== undefined, host: values.host ?? '127.0.0.1', keystoneUrl };
}

async function main(): Promise<void> {
  let opts: CliOptions | 'help';
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`crosspod: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (opts === 'help') {
    console.log(USAGE);
    return;
  }
  const dataDir = opts.dataDir;
  // Its own folder is 0700 even if an older version made it 0755; a folder the user named is theirs.
  ensurePrivateDir(dataDir, opts.ownFolder);
  if (!opts.db) adoptLegacyDb(dataDir);
  const layout = opts.db ? singleFileLayout(opts.db) : { ...dataDirLayout(dataDir), ...(opts.lab ? { initial: opts.lab } : {}) };
  // The lab host looks like one engine to the server: labs.* switch the engine behind it.
  const engine = await openLabHost({ ...layout, engine: { secrets: fileKeySecretBox(join(dataDir, 'secret.key')) } });
  // The same port and token as last time (console.json, 0600), so an open tab reconnects by itself
  // after a restart; another process on that port means a new one, kept for the next start.
  const keep = opts.portGiven ? null : readConsoleState(join(dataDir, CONSOLE_STATE));
  const token = process.env.CROSSPOD_TOKEN || keep?.token || randomBytes(32).toString('base64url');
  const keystone = opts.keystoneUrl ? { url: opts.keystoneUrl } : undefined;
  let server;
  try {
    server = await startServer({ engine, host: opts.host, port: opts.portGiven ? opts.port : (keep?.port ?? 0), token, keystone });
  } catch (e) {
    if (opts.portGiven || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    server = await startServer({ engine, host: opts.host, port: 0, token, keystone });
  }
  if (!opts.portGiven) writePrivate(join(dataDir, CONSOLE_STATE), JSON.stringify({ port: server.port, token: process.env.CROSSPOD_TOKEN ? (keep?.token ?? null) : server.token }, null, 2) + '\n');

  const info = join(dataDir, 'serve.json');
  // Handlers first: a signal right after the URL line must still shut down cleanly.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1); // a second signal: stop waiting
    stopping = true;
    try {
      await server.close();
      await engine.close();
      if (ownsInfoFile(info)) rmSync(info, { force: true });
    } catch (e) {
      console.error(`crosspod: shutdown after ${signal} failed: ${(e as Error).message}`);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const url = `${server.url}?token=${encodeURIComponent(server.token)}`;
  writeFileSync(info, JSON.stringify({ url, port: server.port, token: server.token, pid: process.pid }, null, 2) + '\n', {
    mode: 0o600,
  });
  chmodSync(info, 0o600); // an older file keeps its mode on overwrite
  console.log(`Crosspod console: ${url}`);

  // The integrity check runs after open, off the start-up path; a corrupt file stops the console
  // as it always did, only once the check has spoken.
  engine.integrity().catch(async (e: unknown) => {
    console.error(`crosspod: ${(e as Error).message}`);
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    await engine.close().catch(() => undefined);
    if (ownsInfoFile(info)) rmSync(info, { force: true });
    process.exit(1);
  });
}

/** Where the port and token of the last start are kept (for the next one): beside serve.json. */
const CONSOLE_STATE = 'console.json';

export function readConsoleState(file: string): { port: number; token: string | null } | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { port?: unknown; token?: unknown };
    const port = Number.isInteger(v.port) && (v.port as number) > 0 && (v.port as number) < 65536 ? (v.port as number) : null;
    if (port === null) return null;
    return { port, token: typeof v.token === 'string' && v.token.length >= 32 ? v.token : null };
  } catch {
    return null;
  }
}

function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600); // an older file keeps its mode on overwrite
}

/** serve.json is removed on exit only while it still describes this process. */
function ownsInfoFile(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid === process.pid;
  } catch {
    return false;
  }
}

main().catch((e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`crosspod: ${msg}`);
  process.exit(1);
});
