// Headless mode's HTTP transport: the contract at POST /api/<method>, engine events as
// server-sent events at GET /api/events, and the built renderer at /. Every request needs the
// token (header, or the cookie a `?token=` page load sets).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isMethod } from '../../shared/contract';
import { CrosspodError, toErrorBody, type ErrorBody } from '../../shared/errors';
import type { Engine } from '../engine/types';
import { readJsonBody } from './body';
import { createKeystoneVerifier, type KeystoneVerifierOptions } from './keystone-auth';
import { createNeutronApi } from './neutron-api';
import { neutronError } from './neutron-api/errors';
import { createRegionsApi } from './neutron-api/regions';
import { createTricircleApi } from './tricircle-api';
import { contentType, isSpaRoute, resolveStaticPath, SECURITY_HEADERS } from './static';

export { MAX_BODY_BYTES, MAX_JSON_DEPTH } from './body';

export interface ServerOptions {
  engine: Engine;
  host?: string;
  port?: number;
  /** Defaults to $CROSSPOD_TOKEN, else 32 random bytes (base64url). */
  token?: string;
  /** The built renderer; defaults to dist/renderer in the project. */
  staticDir?: string;
  /** Interval of SSE comment heartbeats. */
  heartbeatMs?: number;
  /** Also take Keystone tokens (admin role) on the OpenStack APIs, validated by this Keystone. */
  keystone?: KeystoneVerifierOptions;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const defaultStaticDir = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const digest = (s: string) => createHash('sha256').update(s).digest();

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(json);
}

function sendError(res: ServerResponse, e: unknown, headers?: Record<string, string>): void {
  const error: ErrorBody = toErrorBody(e);
  send(res, error.status, { ok: false, error }, headers);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
    } catch {
      // A malformed value is simply not a token.
    }
  }
  return out;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { engine } = opts;
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token || process.env.CROSSPOD_TOKEN || randomBytes(32).toString('base64url');
  const tokenDigest = digest(token);
  const staticDir = opts.staticDir ?? defaultStaticDir;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const loopback = LOOPBACK.has(host);
  let port = 0;
  // Cookies ignore ports; naming it per port keeps two consoles on one host apart.
  const cookieName = () => `crosspod_token_${port}`;
  // Hashing first makes the comparison constant-time whatever the lengths.
  const tokenOk = (candidate: string | undefined) =>
    candidate !== undefined && candidate !== '' && timingSafeEqual(digest(candidate), tokenDigest);

  const streams = new Set<ServerResponse>();
  const neutron = createNeutronApi({ engine, readBody: readJsonBody });
  const tricircle = createTricircleApi({ engine, readBody: readJsonBody });
  const regions = createRegionsApi({ engine });
  const keystone = opts.keystone ? createKeystoneVerifier(opts.keystone) : null;

  /** DNS-rebinding defence: a page from another name that resolves to 127.0.0.1 has the wrong Host. */
  function hostAllowed(req: IncomingMessage): boolean {
    if (!loopback) return true;
    const h = (req.headers.host ?? '').toLowerCase();
    return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
  }

  function sameOrigin(req: IncomingMessage): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://${req.headers.host}`;
  }

  function authorised(req: IncomingMessage): boolean {
    const header = req.headers['x-auth-token'];
    if (typeof header === 'string') return tokenOk(header);
    return tokenOk(parseCookies(req.headers.cookie).get(cookieName()));
  }

  /**
   * The OpenStack APIs take the console's token or, with a Keystone configured, a Keystone token:
   * true, false (401), or why it is forbidden (403). As keystonemiddleware does, X-Project-Id
   * then comes from the validated token, never from the client.
   */
  async function openstackAuthorised(req: IncomingMessage): Promise<boolean | string> {
    const header = req.headers['x-auth-token'];
    if (typeof header !== 'string' || !keystone) return authorised(req);
    if (tokenOk(header)) return true;
    delete req.headers['x-project-id'];
    if (header === '') return false;
    const v = await keystone.verify(header);
    if (!v.ok) return v.status === 403 ? v.message : false;
    req.headers['x-project-id'] = v.project_id;
    return true;
  }

  function events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');
    let seq = 0;
    const unsubscribe = engine.subscribe((e) => {
      res.write(`id: ${++seq}\ndata: ${JSON.stringify(e)}\n\n`);
    });
    const beat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    beat.unref();
    streams.add(res);
    const done = () => {
      clearInterval(beat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  async function api(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (name === 'events') {
      if (req.method !== 'GET') return sendError(res, new CrosspodError('BAD_REQUEST', 'use GET for /api/events'));
      return events(req, res);
    }
    if (!isMethod(name)) {
      return sendError(res, new CrosspodError('UNKNOWN_METHOD', `unknown method ${JSON.stringify(name)}`, { method: name }));
    }
    if (req.method !== 'POST') {
      return sendError(res, new CrosspodError('BAD_REQUEST', `use POST for /api/${name}`), { Allow: 'POST' });
    }
    const body = await readJsonBody(req);
    if (!body.ok) return sendError(res, body.error);
    try {
      const value = await engine.call(name, body.value, { actor: 'http' });
      send(res, 200, { ok: true, value });
    } catch (e) {
      const error = toErrorBody(e);
      if (error.code === 'INTERNAL') console.error(`crosspod: ${name} failed:`, e);
      send(res, error.status, { ok: false, error });
    }
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, new CrosspodError('BAD_REQUEST', 'only GET and HEAD are served here'), { Allow: 'GET, HEAD' });
    }
    const file = resolveStaticPath(staticDir, pathname);
    if (file === null) return sendError(res, new CrosspodError('NOT_FOUND', 'not found'));
    let target = file;
    let info = await stat(target).catch(() => null);
    if (!info?.isFile() && isSpaRoute(pathname)) {
      target = resolveStaticPath(staticDir, '/index.html')!;
      info = await stat(target).catch(() => null);
    }
    if (!info?.isFile()) {
      const missing = target.endsWith('index.html')
        ? 'the renderer is not built (run `npm run build`)'
        : 'not found';
      return sendError(res, new CrosspodError('NOT_FOUND', missing));
    }
    const immutable = /^\/assets\//.test(pathname);
    res.writeHead(200, {
      'Content-Type': contentType(target),
      'Content-Length': info.size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(target)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader('X-Frame-Options', 'DENY');
    if (!hostAllowed(req)) {
      return sendError(res, new CrosspodError('BAD_REQUEST', 'Host header is not this console (127.0.0.1 or localhost)'));
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
      return sendError(res, new CrosspodError('BAD_REQUEST', 'malformed URL'));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOrigin(req)) {
      return sendError(res, new CrosspodError('UNAUTHORIZED', 'cross-origin requests are refused'));
    }
    // The Neutron API answers its own 401s, in Neutron's error format.
    // The OpenStack APIs (Neutron, Tricircle's admin API, the per-region endpoints) answer their own
    // 401s, and take a Keystone token when a Keystone is configured.
    const openstack = neutron.matches(req, url) ? neutron : tricircle.matches(url) ? tricircle : regions.matches(url) ? regions : null;
    if (openstack) {
      const auth = await openstackAuthorised(req);
      if (typeof auth === 'string') {
        const e = neutronError(403, 'HTTPForbidden', auth);
        return send(res, e.status, e.body);
      }
      return openstack.handle(req, res, url, auth);
    }
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');

    // A page load with ?token= trades it for a cookie and drops it from the address bar.
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && !isApi && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!tokenOk(queryToken)) return sendError(res, new CrosspodError('UNAUTHORIZED', 'wrong token'));
      url.searchParams.delete('token');
      res.writeHead(302, {
        Location: url.pathname + url.search,
        // Encoded: $CROSSPOD_TOKEN may hold characters a cookie value cannot.
        'Set-Cookie': `${cookieName()}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        'Cache-Control': 'no-store',
        'Content-Length': 0,
      });
      return void res.end();
    }
    if (!authorised(req)) {
      return sendError(res, new CrosspodError('UNAUTHORIZED', 'a token is required: open the URL the console printed'));
    }
    if (isApi) return api(req, res, url.pathname.slice('/api/'.length));
    return serveStatic(req, res, url.pathname);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error('crosspod: request failed:', e);
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/`,
    port,
    token,
    close: () =>
      new Promise<void>((ok) => {
        for (const r of streams) r.end();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
