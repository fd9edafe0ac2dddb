// What goes in the audit log's input summary: the input with every secret-looking value masked,
// at any depth and whatever the key's case, so a secret sent under a mistyped key ("Password",
// "passwd", "api_key") never reaches the log or the WAL.

/** pass (password, passwd, passphrase), secret, token, key (api_key, ssh-key), credential. */
const SECRET_KEY = /pass|secret|token|key|credential/i;
export const MASK = '***';
/** Deeper than any contract input; keeps a hostile in-process input from recursing far. */
const MAX_DEPTH = 16;
const MAX_SUMMARY = 500;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of `value` with secret-looking keys' values replaced by MASK, at every depth. */
export function maskSecrets(value: unknown, depth = 0, seen = new Set<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH || seen.has(value)) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? MASK : maskSecrets(v, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The audit log's one-line summary of an input: masked, then cut to 500 characters. */
export function summarize(input: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(maskSecrets(input)) ?? '';
  } catch {
    text = '[unserialisable input]';
  }
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 3)}...` : text;
}
