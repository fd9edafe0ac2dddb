import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHandler, isAppUrl, resolveAppPath } from '../../main/shell/protocol';
import { CSP, resolveStaticPath } from '../../main/serve/static';

let dir: string;
let root: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-protocol-'));
  root = join(dir, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Crosspod</title>');
  writeFileSync(join(root, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveAppPath', () => {
  it('maps app://crosspod paths under the root', () => {
    expect(resolveAppPath(root, 'app://crosspod/')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://crosspod/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://crosspod/assets/app-1234.js')).toBe(join(root, 'assets', 'app-1234.js'));
    expect(resolveAppPath(root, 'app://crosspod/assets/app-1234.js?v=1#x')).toBe(join(root, 'assets', 'app-1234.js'));
  });

  it('refuses other schemes and hosts', () => {
    expect(resolveAppPath(root, 'app://evil/index.html')).toBeNull();
    expect(resolveAppPath(root, 'file:///etc/passwd')).toBeNull();
    expect(resolveAppPath(root, 'https://crosspod/index.html')).toBeNull();
    expect(resolveAppPath(root, 'not a url')).toBeNull();
  });

  it('never leaves the root, however the path is encoded', () => {
    // The URL parser folds literal and %2e dot segments; what is left must stay inside root.
    expect(resolveAppPath(root, 'app://crosspod/../secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppPath(root, 'app://crosspod/%2e%2e/secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppPath(root, 'app://crosspod/..%2fsecret.txt')).toBeNull();
    expect(resolveAppPath(root, 'app://crosspod/assets/..%2F..%2Fsecret.txt')).toBeNull();
    expect(resolveAppPath(root, 'app://crosspod/..%5csecret.txt')).toBeNull();
    expect(resolveAppPath(root, 'app://crosspod/%00')).toBeNull();
    expect(resolveAppPath(root, 'app://crosspod/%E0%A4%A')).toBeNull();
    expect(resolveAppPath(root, 'app://crosspod/C:/Windows/win.ini')).toBeNull();
  });

  it('keeps every generated path inside the root', () => {
    const parts = ['..', '.', '%2e%2e', '%2E%2e', '%2f', '%5c', 'a', '..%2f', '%2e', '', 'x.js', '%252e%252e', '//', '%c0%ae'];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const n = 1 + Math.floor(rnd() * 6);
      const path = '/' + Array.from({ length: n }, () => parts[Math.floor(rnd() * parts.length)]).join(rnd() < 0.7 ? '/' : '');
      const viaUrl = resolveAppPath(root, `app://crosspod${path}`);
      const direct = resolveStaticPath(root, path);
      for (const r of [viaUrl, direct]) {
        if (r !== null) expect(r.startsWith(root + sep), `${path} → ${r}`).toBe(true);
      }
    }
  });

  it('recognises the app origin (whose WHATWG origin is "null")', () => {
    expect(isAppUrl('app://crosspod/index.html')).toBe(true);
    expect(isAppUrl('app://crosspod')).toBe(true);
    expect(isAppUrl('app://crosspod.evil/index.html')).toBe(false);
    expect(isAppUrl('http://crosspod/index.html')).toBe(false);
    expect(isAppUrl('')).toBe(false);
  });
});

describe('createAppHandler', () => {
  const get = (url: string, method = 'GET') => createAppHandler(root)(new Request(url, { method }));

  it('serves files with their type and the CSP header', async () => {
    const res = await get('app://crosspod/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('<!doctype html><title>Crosspod</title>');

    const js = await get('app://crosspod/assets/app-1234.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('falls back to index.html for client routes but not for missing assets', async () => {
    const route = await get('app://crosspod/routers/abc');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>Crosspod</title>');
    expect((await get('app://crosspod/assets/missing.js')).status).toBe(404);
  });

  it('does not serve files outside the root', async () => {
    for (const url of ['app://crosspod/..%2fsecret.txt', 'app://crosspod/assets/..%2F..%2Fsecret.txt', 'app://other/secret.txt']) {
      const res = await get(url);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('TOP SECRET');
    }
    // Folded by the URL parser to /secret.txt inside root, which does not exist: a 404, not the file.
    const folded = await get('app://crosspod/../secret.txt');
    expect(await folded.text()).not.toContain('TOP SECRET');
  });

  it('answers only GET and HEAD', async () => {
    expect((await get('app://crosspod/index.html', 'POST')).status).toBe(404);
    const head = await get('app://crosspod/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
