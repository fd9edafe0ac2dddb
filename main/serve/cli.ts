// `npm run serve -- [--db FILE] [--port N] [--host 127.0.0.1]`: the engine under plain Node,
// the renderer served to a browser. Prints one line, the URL with its token, and nothing secret.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../engine/index';
import { ensurePrivateDir } from '../engine/store';
import { fileKeySecretBox } from '../engine/secrets/file-key';
import { startServer } from './server';

const USAGE = 'usage: npm run serve -- [--db FILE] [--port N] [--host 127.0.0.1] [--keystone-url URL]';

function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CROSSPOD_DB) return resolve(env.CROSSPOD_DB);
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'crosspod', 'crosspod.db');
}

interface CliOptions {
  db: string;
  /** The db is in Crosspod's own data folder (not a --db or $CROSSPOD_DB the user chose). */
  ownFolder: boolean;
  port: number;
  host: string;
  /** Keystone that validates tokens sent to the OpenStack APIs (besides the console's token). */
  keystoneUrl?: string;
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
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
  const ownFolder = !values.db && !env.CROSSPOD_DB;
  const keystoneUrl = values['keystone-url'];
  if (keystoneUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(keystoneUrl)) throw new Error(`--keystone-url must be an http(s) URL, not ${keystoneUrl}`);
  return { db: values.db ? resolve(values.db) : defaultDbPath(env), ownFolder, port, host: values.host ?? '127.0.0.1', keystoneUrl };
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
  const dataDir = dirname(opts.db);
  // Its own folder is 0700 even if an older version made it 0755; a folder the user named is theirs.
  ensurePrivateDir(dataDir, opts.ownFolder);
  const engine = await createEngine({ dbPath: opts.db, secrets: fileKeySecretBox(join(dataDir, 'secret.key')) });
  const server = await startServer({ engine, host: opts.host, port: opts.port, keystone: opts.keystoneUrl ? { url: opts.keystoneUrl } : undefined });

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
