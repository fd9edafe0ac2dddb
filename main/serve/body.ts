// Request bodies for /api and /v2.0: JSON only, at most MAX_BODY_BYTES, at most MAX_JSON_DEPTH
// levels of nesting. The depth is measured on the raw text before JSON.parse, so a hostile
// body is refused without recursion (JSON.parse and zod both recurse, and overflow the stack).
import type { IncomingMessage } from 'node:http';
import { CrosspodError } from '../../shared/errors';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Contract inputs and Neutron bodies nest 5 levels at most; 32 leaves room and stays far from the stack. */
export const MAX_JSON_DEPTH = 32;

export type Body = { ok: true; value: unknown } | { ok: false; error: CrosspodError };

/** application/json, or any `+json` type (application/merge-patch+json…), with any parameters. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const type = header.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * The deepest nesting of arrays and objects in `text`, counted iteratively (strings skipped,
 * escapes honoured). Stops counting once past `limit`: the caller only needs to know that.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Parses a body's text under the depth limit; '' (or only whitespace) is no body. */
export function parseJsonBody(text: string): Body {
  if (text.trim() === '') return { ok: true, value: undefined };
  const depth = jsonDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    return {
      ok: false,
      error: new CrosspodError('INVALID_INPUT', `request body nests deeper than ${MAX_JSON_DEPTH} levels`, { limit: MAX_JSON_DEPTH }),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: new CrosspodError('INVALID_INPUT', 'request body is not valid JSON', { parse: (e as Error).message }) };
  }
}

/**
 * Reads at most MAX_BODY_BYTES; past that it drains (so the client sees the answer) and refuses.
 * A non-empty body must say it is JSON: a text/plain or form body is refused with 415 (it is also
 * what a cross-site form could send without a preflight).
 */
export function readJsonBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
      else if (size > 16 * MAX_BODY_BYTES) req.destroy();
    });
    req.on('error', () => resolveBody({ ok: false, error: new CrosspodError('INVALID_INPUT', 'request body was cut off') }));
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        resolveBody({
          ok: false,
          error: new CrosspodError('INVALID_INPUT', `request body is larger than ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES }),
        });
        return;
      }
      if (size > 0 && !isJsonContentType(req.headers['content-type'])) {
        const given = req.headers['content-type'];
        resolveBody({
          ok: false,
          error: new CrosspodError(
            'UNSUPPORTED_MEDIA_TYPE',
            given === undefined ? 'a request body needs Content-Type: application/json' : `request bodies are JSON (application/json), not ${given}`,
            { content_type: given ?? null },
          ),
        });
        return;
      }
      resolveBody(parseJsonBody(Buffer.concat(chunks).toString('utf8')));
    });
  });
}
