// `npm run serve` as a child process in its own process group, for the tests that drive it with
// real OpenStack clients: started on a fresh database, stopped (the whole group) at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export interface ServeProcess {
  origin: string;
  api(method: string, body: unknown): Promise<any>;
  stop(): Promise<void>;
}

/** `extraArgs`: more of `npm run serve`'s flags, e.g. `--keystone-url URL`. */
export async function startServe(dbPath: string, token: string, extraArgs: string[] = []): Promise<ServeProcess> {
  // Its own process group: tsx runs the server in a child of its own.
  const child: ChildProcess = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['main/serve/cli.ts', '--db', dbPath, '--port', '0', ...extraArgs], {
    cwd: root,
    env: { ...process.env, CROSSPOD_TOKEN: token },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const stop = async () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid, 'SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!stopped) process.kill(-child.pid, 'SIGKILL');
  };
  let origin: string;
  try {
    origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL line; stdout=${out} stderr=${err}`)), 60_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /Crosspod console: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then((code) => reject(new Error(`serve exited ${code}; stderr=${err}`)));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const api = async (method: string, body: unknown) => {
    const r = await fetch(`${origin}/api/${method}`, { method: 'POST', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const env = (await r.json()) as { ok: boolean; value?: unknown; error?: unknown };
    if (!env.ok) throw new Error(`${method}: ${JSON.stringify(env.error)}`);
    return env.value;
  };
  return { origin, api, stop };
}
