// Starts headless mode (`npm run serve` equivalent) on a fresh database and a random port.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface Serve {
  /** The URL with ?token=, as printed. */
  url: string;
  /** The origin, for API calls. */
  origin: string;
  token: string;
  /** Calls a contract method over HTTP and returns its envelope. */
  call<T = unknown>(method: string, input?: unknown): Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>;
  stop(): Promise<void>;
}

/** `db`: a lab file to serve a copy of (e.g. a generated lab); a fresh database otherwise. `labs`: a data folder of many labs instead. */
export async function startServe(opts: { db?: string; labs?: boolean } = {}): Promise<Serve> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-e2e-'));
  if (opts.db) copyFileSync(opts.db, join(dir, 'crosspod.db'));
  const token = randomBytes(18).toString('base64url');
  const child: ChildProcess = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['main/serve/cli.ts', ...(opts.labs ? ['--data-dir', dir] : ['--db', join(dir, 'crosspod.db')]), '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, CROSSPOD_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() ends tsx and the node it starts, and nothing else.
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /(https?:\/\/\S+)/.exec(out);
      if (m && out.includes('\n')) {
        child.stdout!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing its URL:\n${stderr}`)));
  });
  const origin = new URL(url).origin;
  let stopped = false;
  return {
    url: url.includes('token=') ? url : `${url}?token=${encodeURIComponent(token)}`,
    origin,
    token,
    async call(method, input = {}) {
      const res = await fetch(`${origin}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': token },
        body: JSON.stringify(input),
      });
      return (await res.json()) as never;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.pid) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
