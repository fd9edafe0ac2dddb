// `npm run serve` as a user runs it: a child process on a temp data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { openStore } from '../../main/engine/store';

const root = join(__dirname, '..', '..');
// `node --import tsx` runs the CLI in one process (the tsx binary adds a parent that relays signals).
const cli = [process.execPath, ['--import', 'tsx', join(root, 'main', 'serve', 'cli.ts')]] as const;
const dir = mkdtempSync(join(tmpdir(), 'crosspod-cli-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  // A failed assertion must not leave a server running.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function serve(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const { CROSSPOD_TOKEN: _t, CROSSPOD_DB: _d, ...base } = process.env;
  const child = spawn(cli[0], [...cli[1], ...args], { cwd: root, env: { ...base, ...env } });
  children.add(child);
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line; stdout=${out} stderr=${err}`)), 90_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^Crosspod console: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([^\s]+))\n/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], port: Number(m[2]), token: decodeURIComponent(m[3]), stdout: () => out, stderr: () => err, exit });
      }
    });
    void exit.then((code) => reject(new Error(`exited ${code}; stdout=${out} stderr=${err}`)));
  });
}

// Each test has its own data directory, so they run side by side (starting tsx is slow).
describe.concurrent('npm run serve', { timeout: 180_000 }, () => {
  it('prints one URL line, writes serve.json (0600) and shuts down cleanly on SIGTERM', async ({ expect }) => {
    const db = join(dir, 'data', 'crosspod.db');
    const run = await serve(['--db', db, '--port', '0'], {});
    expect(run.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url

    const info = join(dir, 'data', 'serve.json');
    expect(JSON.parse(readFileSync(info, 'utf8'))).toEqual({ url: run.url, port: run.port, token: run.token, pid: run.child.pid });
    expect(statSync(info).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data', 'secret.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(db)).toBe(true);

    const page = await fetch(run.url, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('set-cookie')).toContain('HttpOnly; SameSite=Strict');
    const r = await fetch(`http://127.0.0.1:${run.port}/api/pods.create`, {
      method: 'POST',
      headers: { 'X-Auth-Token': run.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ region_name: 'RegionOne' }),
    });
    expect(await r.json()).toMatchObject({ ok: true, value: { region_name: 'RegionOne', is_top: true } });
    expect((await fetch(`http://127.0.0.1:${run.port}/api/pods.list`, { method: 'POST' })).status).toBe(401);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(existsSync(info)).toBe(false);
    expect(run.stdout()).toBe(`Crosspod console: ${run.url}\n`);
    expect(run.stderr()).not.toContain(run.token);
  });

  it('uses CROSSPOD_TOKEN and CROSSPOD_DB', async ({ expect }) => {
    const db = join(dir, 'env', 'lab.db');
    const run = await serve([], { CROSSPOD_DB: db, CROSSPOD_TOKEN: 'env-token-with/odd+chars' });
    expect(run.token).toBe('env-token-with/odd+chars');
    expect(run.url).toBe(`http://127.0.0.1:${run.port}/?token=env-token-with%2Fodd%2Bchars`);
    expect(JSON.parse(readFileSync(join(dir, 'env', 'serve.json'), 'utf8')).token).toBe('env-token-with/odd+chars');
    // The page load trades it for a cookie that carries it intact.
    const page = await fetch(run.url, { redirect: 'manual' });
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    expect(cookie).toBe(`crosspod_token_${run.port}=env-token-with%2Fodd%2Bchars`);
    expect((await fetch(`http://127.0.0.1:${run.port}/api/pods.list`, { method: 'POST', headers: { Cookie: cookie } })).status).toBe(200);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(existsSync(db)).toBe(true);
  });

  it('defaults to the lab "default" in $XDG_DATA_HOME/crosspod/labs', async ({ expect }) => {
    const xdg = join(dir, 'xdg');
    const run = await serve([], { XDG_DATA_HOME: xdg });
    expect(existsSync(join(xdg, 'crosspod', 'labs', 'default.db'))).toBe(true);
    expect(existsSync(join(xdg, 'crosspod', 'serve.json'))).toBe(true);
    // Its own data folder is owner-only, and so are the labs folder and the database.
    expect(statSync(join(xdg, 'crosspod')).mode & 0o777).toBe(0o700);
    expect(statSync(join(xdg, 'crosspod', 'labs')).mode & 0o777).toBe(0o700);
    expect(statSync(join(xdg, 'crosspod', 'labs', 'default.db')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(xdg, 'crosspod', 'labs.json'), 'utf8'))).toEqual({ last_lab: 'default' });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('keeps its port and token across restarts (console.json, 0600), and takes another port when that one is taken', async ({ expect }) => {
    const data = join(dir, 'keep');
    const first = await serve(['--data-dir', data], {});
    const state = join(data, 'console.json');
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual({ port: first.port, token: first.token });
    expect(statSync(state).mode & 0o777).toBe(0o600);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    const second = await serve(['--data-dir', data], {});
    expect([second.port, second.token]).toEqual([first.port, first.token]);
    // The port is busy now: a third console gets another port, with the same token.
    const third = await serve(['--data-dir', data], {});
    expect(third.port).not.toBe(first.port);
    expect(third.token).toBe(first.token);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual({ port: third.port, token: first.token });
    for (const r of [second, third]) {
      r.child.kill('SIGTERM');
      expect(await r.exit).toBe(0);
    }
  });

  it('stops with the integrity error when the file turns out corrupt after open', async ({ expect }) => {
    const db = join(dir, 'corrupt', 'crosspod.db');
    const s = await openStore(db);
    const ins = s.db.prepare("INSERT INTO audit_log (at, actor, operation, input_summary, result_code, resource_ids) VALUES (?, 'fixture', 'x', ?, 'OK', '[]')");
    s.db.transaction(() => {
      for (let i = 0; i < 3000; i++) ins.run(new Date().toISOString(), 'x'.repeat(200));
    })();
    const pageSize = s.db.pragma('page_size', { simple: true }) as number;
    s.close();
    const pages = statSync(db).size / pageSize;
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(pageSize * 8, 0xa5), 0, pageSize * 8, Math.floor(pages / 2) * pageSize);
    closeSync(fd);
    const run = await serve(['--db', db, '--port', '0'], {});
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toContain(`crosspod: integrity check of ${db} failed: `);
    expect(existsSync(join(dir, 'corrupt', 'serve.json'))).toBe(false);
  });

  it('refuses bad arguments with the usage', async ({ expect }) => {
    for (const args of [['--port', '70000'], ['--bogus']]) {
      const child = spawn(cli[0], [...cli[1], ...args], { cwd: root });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code, args.join(' ')).toBe(2);
      expect(err).toContain('usage: npm run serve');
    }
  });
});
