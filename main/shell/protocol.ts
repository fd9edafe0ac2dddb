// The app:// protocol that serves the built renderer to the window: same traversal rules and
// CSP as headless mode. Electron is taken as a parameter so this file runs under plain Node.
import { readFile, stat } from 'node:fs/promises';
import { contentType, isSpaRoute, resolveStaticPath, SECURITY_HEADERS } from '../serve/static';

export const APP_SCHEME = 'app';
export const APP_HOST = 'crosspod';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** `app://crosspod/<path>` → a file under root, or null (other host, traversal, malformed). */
export function resolveAppPath(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  return resolveStaticPath(root, u.pathname);
}

/** True for app://crosspod/… (its URL origin is "null": app: is not a special scheme to WHATWG URL). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

function notFound(): Response {
  return new Response('not found', { status: 404, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain' } });
}

/** The protocol.handle handler: files under root, SPA fallback, CSP on every response. */
export function createAppHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return notFound();
    const file = resolveAppPath(root, request.url);
    if (file === null) return notFound();
    let target = file;
    let info = await stat(target).catch(() => null);
    if (!info?.isFile() && isSpaRoute(new URL(request.url).pathname)) {
      target = resolveStaticPath(root, '/index.html')!;
      info = await stat(target).catch(() => null);
    }
    if (!info?.isFile()) return notFound();
    const body = request.method === 'HEAD' ? null : await readFile(target);
    return new Response(body, {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'Content-Type': contentType(target), 'Cache-Control': 'no-cache' },
    });
  };
}
