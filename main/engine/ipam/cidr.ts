// Pure address arithmetic over ip-address, IPv4 and IPv6. Addresses are bigints inside the
// engine; strings only at the edges, always in canonical form (RFC 5952 for IPv6).
import { Address4, Address6 } from 'ip-address';
import { CrosspodError } from '../../../shared/errors';

export type IpVersion = 4 | 6;

export interface ParsedIp {
  version: IpVersion;
  value: bigint;
}

export interface ParsedCidr {
  version: IpVersion;
  prefixlen: number;
  /** Network address. */
  first: bigint;
  /** Last address (the broadcast address in IPv4). */
  last: bigint;
  /** Canonical `network/prefixlen`. */
  cidr: string;
}

export interface AllocationPool {
  start: string;
  end: string;
}

export interface SubnetInput {
  cidr: string;
  ip_version?: number;
  /** Omitted: the first host. null: no gateway. */
  gateway_ip?: string | null;
  /** Omitted or null: every host but the gateway. [] is honoured: no pools at all. */
  allocation_pools?: AllocationPool[] | null;
}

export interface NormalizedSubnet {
  cidr: string;
  ip_version: IpVersion;
  gateway_ip: string | null;
  allocation_pools: AllocationPool[];
}

export const bitsOf = (v: IpVersion): number => (v === 4 ? 32 : 128);
/** Hex width that makes lexical order equal numeric order in SQLite TEXT columns. */
export const hexWidthOf = (v: IpVersion): number => (v === 4 ? 8 : 32);

function ipError(ip: unknown, why: string): CrosspodError {
  return new CrosspodError('INVALID_IP_ADDRESS', `invalid IP address ${JSON.stringify(ip)}: ${why}`, { ip });
}

// Dotted quad without leading zeros, as Address4 accepts it; a cheap fast path for the common case.
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const V4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** The IP version of an address or CIDR already known to be valid (no parsing: a ':' means IPv6). */
export function ipVersionOf(addressOrCidr: string): IpVersion {
  return addressOrCidr.includes(':') ? 6 : 4;
}

/** Parses a bare address (no prefix, no zone) into its version and numeric value. */
export function parseIp(ip: string): ParsedIp {
  if (typeof ip !== 'string' || ip.length === 0) throw ipError(ip, 'expected an address string');
  const m = V4.exec(ip);
  if (m) return { version: 4, value: BigInt(((+m[1] << 24) >>> 0) + (+m[2] << 16) + (+m[3] << 8) + +m[4]) };
  if (ip.includes('/')) throw ipError(ip, 'an address must not carry a prefix length');
  if (ip.includes('%')) throw ipError(ip, 'zone identifiers are not supported');
  try {
    if (ip.includes(':')) return { version: 6, value: new Address6(ip).bigInt() };
    return { version: 4, value: new Address4(ip).bigInt() };
  } catch (e) {
    throw ipError(ip, (e as Error).message);
  }
}

export function ipToBigInt(ip: string): bigint {
  return parseIp(ip).value;
}

export function bigIntToIp(value: bigint, version: IpVersion): string {
  if (value < 0n || value >= 1n << BigInt(bitsOf(version))) {
    throw new CrosspodError('INVALID_IP_ADDRESS', `${value} is out of range for IPv${version}`);
  }
  if (version === 4) {
    // Hand-rolled: this runs on every allocation and is much cheaper than an Address4.
    const n = Number(value);
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  return formatV6(value);
}

/** RFC 5952 text (what Address6's correctForm gives), without building an Address6. */
function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // The longest run of two or more zero groups becomes '::' (the first one on a tie).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

export function canonicalIp(ip: string): string {
  const p = parseIp(ip);
  return bigIntToIp(p.value, p.version);
}

/** Orders addresses numerically; every IPv4 address sorts before every IPv6 one. */
export function compareIp(a: string, b: string): number {
  const pa = parseIp(a);
  const pb = parseIp(b);
  if (pa.version !== pb.version) return pa.version - pb.version;
  return pa.value < pb.value ? -1 : pa.value > pb.value ? 1 : 0;
}

export function toHex(value: bigint, version: IpVersion): string {
  return value.toString(16).padStart(hexWidthOf(version), '0');
}

export function fromHex(hex: string): bigint {
  return BigInt(`0x${hex}`);
}

function cidrError(cidr: unknown, why: string, details: Record<string, unknown> = {}): CrosspodError {
  return new CrosspodError('INVALID_CIDR', `invalid CIDR ${JSON.stringify(cidr)}: ${why}`, { cidr, ...details });
}

/** Parses `network/prefixlen`; refuses host bits set (10.0.1.5/24) and a missing prefix. */
export function parseCidr(cidr: string): ParsedCidr {
  if (typeof cidr !== 'string') throw cidrError(cidr, 'expected a string like 10.0.1.0/24');
  const slash = cidr.indexOf('/');
  if (slash < 0 || slash !== cidr.lastIndexOf('/')) {
    throw cidrError(cidr, 'expected address/prefixlen, e.g. 10.0.1.0/24');
  }
  const addr = cidr.slice(0, slash);
  const plen = cidr.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(plen)) throw cidrError(cidr, `bad prefix length ${JSON.stringify(plen)}`);
  let ip: ParsedIp;
  try {
    ip = parseIp(addr);
  } catch (e) {
    throw cidrError(cidr, (e as Error).message);
  }
  const prefixlen = Number(plen);
  const bits = bitsOf(ip.version);
  if (prefixlen > bits) throw cidrError(cidr, `prefix length ${prefixlen} exceeds ${bits} for IPv${ip.version}`);
  const size = 1n << BigInt(bits - prefixlen);
  const first = ip.value - (ip.value % size);
  const canonical = `${bigIntToIp(first, ip.version)}/${prefixlen}`;
  if (first !== ip.value) {
    throw cidrError(cidr, `host bits are set; the network is ${canonical}`, { network: canonical });
  }
  return { version: ip.version, prefixlen, first, last: first + size - 1n, cidr: canonical };
}

export function canonicalCidr(cidr: string): string {
  return parseCidr(cidr).cidr;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  return pa.version === pb.version && pa.first <= pb.last && pb.first <= pa.last;
}

export function ipInCidr(ip: string, cidr: string): boolean {
  const p = parseIp(ip);
  const c = parseCidr(cidr);
  return p.version === c.version && p.value >= c.first && p.value <= c.last;
}

/**
 * The addresses a host may hold. v4 drops network and broadcast, v6 only the network
 * (subnet-router anycast). /31 and /127 are point-to-point links (RFC 3021, RFC 6164):
 * both addresses are hosts; /32 and /128 are a single host.
 */
export function hostRange(c: ParsedCidr): { first: bigint; last: bigint } {
  const hostBits = bitsOf(c.version) - c.prefixlen;
  if (hostBits <= 1) return { first: c.first, last: c.last };
  return { first: c.first + 1n, last: c.version === 4 ? c.last - 1n : c.last };
}

/** Why `value` (inside `c`) may not be held by a host, or null when it may. */
export function reservedReason(c: ParsedCidr, value: bigint): string | null {
  const h = hostRange(c);
  if (value >= h.first && value <= h.last) return null;
  return value === c.first ? 'the network address' : 'the broadcast address';
}

function inputError(message: string, details: unknown): CrosspodError {
  return new CrosspodError('INVALID_INPUT', message, details);
}

function parseInSubnet(ip: unknown, c: ParsedCidr, field: string): bigint {
  let p: ParsedIp;
  try {
    p = parseIp(ip as string);
  } catch (e) {
    throw new CrosspodError('INVALID_IP_ADDRESS', `${field}: ${(e as Error).message}`, { field, ip });
  }
  const shown = bigIntToIp(p.value, p.version);
  if (p.version !== c.version) {
    throw new CrosspodError('INVALID_IP_ADDRESS', `${field} ${shown} is IPv${p.version} but ${c.cidr} is IPv${c.version}`, {
      field,
      ip,
    });
  }
  if (p.value < c.first || p.value > c.last) {
    throw new CrosspodError('IP_NOT_IN_SUBNET', `${field} ${shown} is outside ${c.cidr}`, { field, ip, cidr: c.cidr });
  }
  const reserved = reservedReason(c, p.value);
  if (reserved) {
    throw new CrosspodError('IP_NOT_IN_SUBNET', `${field} ${shown} is ${reserved} of ${c.cidr}`, { field, ip, cidr: c.cidr });
  }
  return p.value;
}

/**
 * Validates a subnet and fills Neutron's defaults: the gateway is the first host, the pools are
 * every host but the gateway, split around it.
 */
export function normalizeSubnet(input: SubnetInput): NormalizedSubnet {
  if (!input || typeof input !== 'object') throw inputError('subnet must be an object', { input });
  const c = parseCidr(input.cidr);
  if (input.ip_version !== undefined && input.ip_version !== null) {
    if (input.ip_version !== 4 && input.ip_version !== 6) {
      throw inputError(`ip_version must be 4 or 6, not ${JSON.stringify(input.ip_version)}`, { ip_version: input.ip_version });
    }
    if (input.ip_version !== c.version) {
      throw cidrError(input.cidr, `it is an IPv${c.version} network but ip_version is ${input.ip_version}`, {
        ip_version: input.ip_version,
      });
    }
  }
  if (c.prefixlen === 0) throw cidrError(input.cidr, 'a /0 cannot be a subnet');
  const v = c.version;
  const hosts = hostRange(c);

  let gateway: bigint | null;
  if (input.gateway_ip === undefined) {
    // A single-address subnet has no room for a gateway besides its one host.
    gateway = hosts.first === hosts.last ? null : hosts.first;
  } else if (input.gateway_ip === null) {
    gateway = null;
  } else {
    gateway = parseInSubnet(input.gateway_ip, c, 'gateway_ip');
  }

  let pools: { first: bigint; last: bigint }[];
  if (input.allocation_pools === undefined || input.allocation_pools === null) {
    pools = [];
    if (gateway === null || gateway < hosts.first || gateway > hosts.last) {
      pools.push({ ...hosts });
    } else {
      if (gateway > hosts.first) pools.push({ first: hosts.first, last: gateway - 1n });
      if (gateway < hosts.last) pools.push({ first: gateway + 1n, last: hosts.last });
    }
  } else {
    if (!Array.isArray(input.allocation_pools)) {
      throw inputError('allocation_pools must be a list of {start, end}', { allocation_pools: input.allocation_pools });
    }
    pools = input.allocation_pools.map((p, i) => {
      if (!p || typeof p !== 'object') throw inputError(`allocation_pools[${i}] must be {start, end}`, { pool: p });
      const first = parseInSubnet(p.start, c, `allocation_pools[${i}].start`);
      const last = parseInSubnet(p.end, c, `allocation_pools[${i}].end`);
      if (first > last) {
        throw inputError(`allocation pool ${p.start}-${p.end} starts after it ends`, { pool: p });
      }
      return { first, last };
    });
    pools.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    for (let i = 1; i < pools.length; i++) {
      if (pools[i].first <= pools[i - 1].last) {
        const a = poolOut(pools[i - 1], v);
        const b = poolOut(pools[i], v);
        throw inputError(`allocation pools ${a.start}-${a.end} and ${b.start}-${b.end} overlap`, { pools: [a, b] });
      }
    }
    if (gateway !== null) {
      const hit = pools.find((p) => gateway! >= p.first && gateway! <= p.last);
      if (hit) {
        const p = poolOut(hit, v);
        const gw = bigIntToIp(gateway, v);
        throw inputError(`gateway_ip ${gw} is inside allocation pool ${p.start}-${p.end}`, { gateway_ip: gw, pool: p });
      }
    }
  }

  return {
    cidr: c.cidr,
    ip_version: v,
    gateway_ip: gateway === null ? null : bigIntToIp(gateway, v),
    allocation_pools: pools.map((p) => poolOut(p, v)),
  };
}

function poolOut(p: { first: bigint; last: bigint }, v: IpVersion): AllocationPool {
  return { start: bigIntToIp(p.first, v), end: bigIntToIp(p.last, v) };
}
