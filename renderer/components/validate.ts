// Client-side checks run before a form calls the API; the engine validates again.

export function parseIPv4(s: string): number | null {
  const parts = s.trim().split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function isIPv6(s: string): boolean {
  const t = s.trim();
  if (!t.includes(':') || !/^[0-9a-fA-F:.]+$/.test(t)) return false;
  try {
    new URL(`http://[${t}]/`);
    return true;
  } catch {
    return false;
  }
}

export function isIP(s: string): boolean {
  return parseIPv4(s) !== null || isIPv6(s);
}

export interface Cidr {
  version: 4 | 6;
  /** IPv4 only: the network address as a number. */
  base: number;
  prefix: number;
}

/** Parses a CIDR; returns an error message or the parsed value. Host bits must be zero. */
export function checkCidr(s: string): string | Cidr {
  const t = s.trim();
  const m = /^([^/]+)\/(\d{1,3})$/.exec(t);
  if (!m) return 'Enter a CIDR like 10.0.1.0/24';
  const prefix = Number(m[2]);
  const v4 = parseIPv4(m[1]);
  if (v4 !== null) {
    if (prefix > 32) return 'An IPv4 prefix length is at most 32';
    const size = 2 ** (32 - prefix);
    const base = Math.floor(v4 / size) * size;
    if (base !== v4) return `Host bits are set; did you mean ${formatIPv4(base)}/${prefix}?`;
    return { version: 4, base, prefix };
  }
  if (isIPv6(m[1])) {
    if (prefix > 128) return 'An IPv6 prefix length is at most 128';
    return { version: 6, base: 0, prefix };
  }
  return 'Enter a CIDR like 10.0.1.0/24';
}

/** True when the IPv4 address lies in the IPv4 CIDR; IPv6 is not checked here (true). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const c = checkCidr(cidr);
  if (typeof c === 'string') return false;
  if (c.version === 6) return isIPv6(ip);
  const n = parseIPv4(ip);
  if (n === null) return false;
  return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

export type Errors<K extends string> = Partial<Record<K, string>>;

export function hasErrors(e: Record<string, string | undefined>): boolean {
  return Object.values(e).some(Boolean);
}

export function required(v: string, what: string): string | undefined {
  return v.trim() ? undefined : `${what} is required`;
}

export function optionalIp(v: string, cidr?: string): string | undefined {
  const t = v.trim();
  if (!t) return undefined;
  if (!isIP(t)) return `${t} is not an IP address`;
  if (cidr && !ipInCidr(t, cidr)) return `${t} is not in ${cidr}`;
  return undefined;
}

export function validUrl(v: string): string | undefined {
  const t = v.trim();
  if (!t) return undefined;
  try {
    const u = new URL(t);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'Use an http(s) URL';
  } catch {
    return `${t} is not a URL`;
  }
}
