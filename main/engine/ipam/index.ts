// Persistent allocators in the engine's SQLite file: subnet addresses (Ipam), bridge prefixes
// (PrefixPool) and VLANs (VlanPool). All three keep disjoint free ranges (first, last) per owner,
// so the lowest free value is min(first) and any value's range is one index seek: no method
// ever scans a range, and the millionth allocation costs what the first does.
// Methods are synchronous and run inside the caller's transaction; each mutation is wrapped in
// db.transaction() so it is atomic on its own too (nested, that is a savepoint). The three on
// every operation's path (allocate, allocate one address, release) skip the savepoint inside a
// caller's transaction: each can fail only at its first write, which leaves nothing (atomic()).
import type Database from 'better-sqlite3';
import { CrosspodError } from '../../../shared/errors';
import {
  bigIntToIp,
  bitsOf,
  fromHex,
  hostRange,
  normalizeSubnet,
  parseCidr,
  parseIp,
  toHex,
  type IpVersion,
  type NormalizedSubnet,
  type ParsedCidr,
  type ParsedIp,
} from './cidr';

export * from './cidr';

type Db = Database.Database;
type Stmt = Database.Statement;
type KeyValue = string | number;

/**
 * fn in a transaction of its own when called outside one, else in the caller's without a
 * savepoint: for mutations whose only failure is their first statement's (a statement that
 * fails changes nothing), the savepoint would be two statements for nothing.
 */
function atomic<A extends unknown[], R>(db: Db, fn: (...a: A) => R): (...a: A) => R {
  const tx = db.transaction(fn);
  return (...a: A) => (db.inTransaction ? fn(...a) : tx(...a));
}

/** How a table stores its values: fixed-width hex TEXT or INTEGER. */
interface KeyCodec {
  enc(v: bigint): KeyValue;
  dec(k: KeyValue): bigint;
}

const hexCodec = (width: number): KeyCodec => ({
  enc: (v) => v.toString(16).padStart(width, '0'),
  dec: (k) => fromHex(k as string),
});
const HEX8 = hexCodec(8);
const HEX32 = hexCodec(32);
const INT: KeyCodec = { enc: (v) => Number(v), dec: (k) => BigInt(k) };
const ipCodec = (v: IpVersion): KeyCodec => (v === 4 ? HEX8 : HEX32);

interface RangeRow {
  first: KeyValue;
  last: KeyValue;
}

/** Disjoint free ranges in `table (owner, first, last)`, PK (owner, first), UNIQUE (owner, last). */
class FreeRanges {
  private readonly lowestStmt: Stmt;
  private readonly containingStmt: Stmt;
  private readonly endingAtStmt: Stmt;
  private readonly startingAtStmt: Stmt;
  private readonly insertStmt: Stmt;
  private readonly deleteStmt: Stmt;
  private readonly setFirstStmt: Stmt;
  private readonly setLastStmt: Stmt;
  private readonly clearStmt: Stmt;

  constructor(db: Db, table: string, owner: string) {
    this.lowestStmt = db.prepare(`SELECT first, last FROM ${table} WHERE ${owner} = ? ORDER BY first LIMIT 1`);
    this.containingStmt = db.prepare(
      `SELECT first, last FROM ${table} WHERE ${owner} = ? AND first <= ? ORDER BY first DESC LIMIT 1`,
    );
    this.endingAtStmt = db.prepare(`SELECT first, last FROM ${table} WHERE ${owner} = ? AND last = ?`);
    this.startingAtStmt = db.prepare(`SELECT first, last FROM ${table} WHERE ${owner} = ? AND first = ?`);
    this.insertStmt = db.prepare(`INSERT INTO ${table} (${owner}, first, last) VALUES (?, ?, ?)`);
    this.deleteStmt = db.prepare(`DELETE FROM ${table} WHERE ${owner} = ? AND first = ?`);
    this.setFirstStmt = db.prepare(`UPDATE ${table} SET first = ? WHERE ${owner} = ? AND first = ?`);
    this.setLastStmt = db.prepare(`UPDATE ${table} SET last = ? WHERE ${owner} = ? AND first = ?`);
    this.clearStmt = db.prepare(`DELETE FROM ${table} WHERE ${owner} = ?`);
  }

  add(owner: string, c: KeyCodec, first: bigint, last: bigint): void {
    this.insertStmt.run(owner, c.enc(first), c.enc(last));
  }

  clear(owner: string): void {
    this.clearStmt.run(owner);
  }

  /** Removes and returns the lowest free value (and its key width; 0 for INTEGER), or null. */
  takeLowest(owner: string): { value: bigint; width: number } | null {
    const r = this.lowestStmt.get(owner) as RangeRow | undefined;
    if (!r) return null;
    const width = typeof r.first === 'number' ? 0 : r.first.length;
    const c = width === 0 ? INT : width === 8 ? HEX8 : HEX32;
    const x = c.dec(r.first);
    if (r.first === r.last) this.deleteStmt.run(owner, r.first);
    else this.setFirstStmt.run(c.enc(x + 1n), owner, r.first);
    return { value: x, width };
  }

  /** Removes `x` from the free ranges, splitting its range; false when it was not free. */
  take(owner: string, c: KeyCodec, x: bigint): boolean {
    const k = c.enc(x);
    const r = this.containingStmt.get(owner, k) as RangeRow | undefined;
    if (!r || r.last < k) return false;
    const first = c.dec(r.first);
    const last = c.dec(r.last);
    if (first === last) {
      this.deleteStmt.run(owner, r.first);
    } else if (x === first) {
      this.setFirstStmt.run(c.enc(x + 1n), owner, r.first);
    } else if (x === last) {
      this.setLastStmt.run(c.enc(x - 1n), owner, r.first);
    } else {
      this.setLastStmt.run(c.enc(x - 1n), owner, r.first);
      this.insertStmt.run(owner, c.enc(x + 1n), r.last);
    }
    return true;
  }

  /** Returns `x` (not currently free) to the free ranges, merging with its neighbours. */
  give(owner: string, c: KeyCodec, x: bigint): void {
    const left = x > 0n ? (this.endingAtStmt.get(owner, c.enc(x - 1n)) as RangeRow | undefined) : undefined;
    const right = this.startingAtStmt.get(owner, c.enc(x + 1n)) as RangeRow | undefined;
    if (left && right) {
      this.deleteStmt.run(owner, right.first);
      this.setLastStmt.run(right.last, owner, left.first);
    } else if (left) {
      this.setLastStmt.run(c.enc(x), owner, left.first);
    } else if (right) {
      this.setFirstStmt.run(c.enc(x), owner, right.first);
    } else {
      this.insertStmt.run(owner, c.enc(x), c.enc(x));
    }
  }
}

interface SubnetRow {
  subnet_id: string;
  ip_version: IpVersion;
  cidr: string;
  gateway_ip: string | null;
  net_first: string;
  net_last: string;
  host_first: string;
  host_last: string;
  allocated: number;
}

function isPrimaryKeyViolation(e: unknown): boolean {
  return (e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Addresses of top subnets. */
export class Ipam {
  private readonly free: FreeRanges;
  private readonly getSubnetStmt: Stmt;
  private readonly insertSubnetStmt: Stmt;
  private readonly deleteSubnetStmt: Stmt;
  private readonly countStmt: Stmt;
  private readonly bumpStmt: Stmt;
  private readonly poolsStmt: Stmt;
  private readonly insertPoolStmt: Stmt;
  private readonly poolContainingStmt: Stmt;
  private readonly deletePoolsStmt: Stmt;
  private readonly isAllocatedStmt: Stmt;
  private readonly insertAllocStmt: Stmt;
  private readonly deleteAllocStmt: Stmt;
  private readonly deleteAllocsStmt: Stmt;
  private readonly allocsBetweenStmt: Stmt;
  private readonly setGatewayStmt: Stmt;
  private readonly addTx: (subnetId: string, n: NormalizedSubnet) => void;
  private readonly removeTx: (subnetId: string) => void;
  private readonly allocLowestTx: (subnetId: string) => ParsedIp | null;
  private readonly allocExplicitTx: (subnetId: string, ip: ParsedIp) => void;
  private readonly releaseTx: (subnetId: string, ip: ParsedIp) => boolean;
  private readonly updateTx: (subnetId: string, n: NormalizedSubnet) => void;

  constructor(db: Db) {
    this.free = new FreeRanges(db, 'ipam_free_ranges', 'subnet_id');
    this.getSubnetStmt = db.prepare('SELECT * FROM ipam_subnets WHERE subnet_id = ?');
    this.insertSubnetStmt = db.prepare(
      `INSERT INTO ipam_subnets (subnet_id, ip_version, cidr, gateway_ip, net_first, net_last, host_first, host_last)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteSubnetStmt = db.prepare('DELETE FROM ipam_subnets WHERE subnet_id = ?');
    this.countStmt = db.prepare('SELECT allocated FROM ipam_subnets WHERE subnet_id = ?').pluck();
    this.bumpStmt = db.prepare('UPDATE ipam_subnets SET allocated = allocated + ? WHERE subnet_id = ?');
    this.poolsStmt = db.prepare('SELECT first, last FROM ipam_pools WHERE subnet_id = ? ORDER BY first');
    this.insertPoolStmt = db.prepare('INSERT INTO ipam_pools (subnet_id, first, last) VALUES (?, ?, ?)');
    this.poolContainingStmt = db
      .prepare('SELECT last FROM ipam_pools WHERE subnet_id = ? AND first <= ? ORDER BY first DESC LIMIT 1')
      .pluck();
    this.deletePoolsStmt = db.prepare('DELETE FROM ipam_pools WHERE subnet_id = ?');
    this.isAllocatedStmt = db.prepare('SELECT 1 FROM ipam_allocations WHERE subnet_id = ? AND address = ?').pluck();
    this.insertAllocStmt = db.prepare('INSERT INTO ipam_allocations (subnet_id, address) VALUES (?, ?)');
    this.deleteAllocStmt = db.prepare('DELETE FROM ipam_allocations WHERE subnet_id = ? AND address = ?');
    this.deleteAllocsStmt = db.prepare('DELETE FROM ipam_allocations WHERE subnet_id = ?');
    this.allocsBetweenStmt = db
      .prepare('SELECT address FROM ipam_allocations WHERE subnet_id = ? AND address BETWEEN ? AND ? ORDER BY address')
      .pluck();
    this.setGatewayStmt = db.prepare('UPDATE ipam_subnets SET gateway_ip = ? WHERE subnet_id = ?');
    this.updateTx = db.transaction((subnetId: string, n: NormalizedSubnet) => this.rebuild(subnetId, n));

    this.addTx = db.transaction((subnetId: string, n: NormalizedSubnet) => {
      const c = parseCidr(n.cidr);
      const v = c.version;
      const hosts = hostRange(c);
      this.insertSubnetStmt.run(
        subnetId,
        v,
        n.cidr,
        n.gateway_ip,
        toHex(c.first, v),
        toHex(c.last, v),
        toHex(hosts.first, v),
        toHex(hosts.last, v),
      );
      const codec = ipCodec(v);
      let run: { first: bigint; last: bigint } | null = null;
      for (const p of n.allocation_pools) {
        const first = parseIp(p.start).value;
        const last = parseIp(p.end).value;
        this.insertPoolStmt.run(subnetId, toHex(first, v), toHex(last, v));
        // Adjacent pools become one free range.
        if (run && run.last + 1n === first) run.last = last;
        else {
          if (run) this.free.add(subnetId, codec, run.first, run.last);
          run = { first, last };
        }
      }
      if (run) this.free.add(subnetId, codec, run.first, run.last);
    });

    this.removeTx = db.transaction((subnetId: string) => {
      this.free.clear(subnetId);
      this.deleteAllocsStmt.run(subnetId);
      this.deletePoolsStmt.run(subnetId);
      this.deleteSubnetStmt.run(subnetId);
    });

    // The hot path: no subnet lookup, the free range's hex width tells the version.
    this.allocLowestTx = atomic(db, (subnetId: string) => {
      const taken = this.free.takeLowest(subnetId);
      if (taken === null) return null;
      const version: IpVersion = taken.width === 8 ? 4 : 6;
      this.insertAllocStmt.run(subnetId, toHex(taken.value, version));
      this.bumpStmt.run(1, subnetId);
      return { version, value: taken.value };
    });

    // Its first write is the allocation's row: an address in use fails there, leaving nothing.
    this.allocExplicitTx = atomic(db, (subnetId: string, ip: ParsedIp) => {
      this.insertAllocStmt.run(subnetId, toHex(ip.value, ip.version));
      // Outside the pools (e.g. the gateway) there is no free range to split.
      this.free.take(subnetId, ipCodec(ip.version), ip.value);
      this.bumpStmt.run(1, subnetId);
    });

    this.releaseTx = atomic(db, (subnetId: string, ip: ParsedIp) => {
      const hex = toHex(ip.value, ip.version);
      // A version mismatch gives a hex width no row of this subnet has: nothing is deleted.
      if (this.deleteAllocStmt.run(subnetId, hex).changes === 0) return false;
      const poolLast = this.poolContainingStmt.get(subnetId, hex) as string | undefined;
      if (poolLast !== undefined && poolLast.length === hex.length && poolLast >= hex) {
        this.free.give(subnetId, ipCodec(ip.version), ip.value);
      }
      this.bumpStmt.run(-1, subnetId);
      return true;
    });
  }

  /** Registers a subnet (re-validated through normalizeSubnet). CONFLICT if the id exists. */
  addSubnet(subnetId: string, normalized: NormalizedSubnet): void {
    const n = normalizeSubnet(normalized);
    if (this.getSubnetStmt.get(subnetId)) {
      throw new CrosspodError('CONFLICT', `IPAM already holds subnet ${subnetId}`, { subnet_id: subnetId });
    }
    this.addTx(subnetId, n);
  }

  /** Forgets the subnet and all its allocations; a no-op for an unknown id. */
  removeSubnet(subnetId: string): void {
    this.removeTx(subnetId);
  }

  /** The subnet as registered, or null. */
  getSubnet(subnetId: string): NormalizedSubnet | null {
    const sub = this.getSubnetStmt.get(subnetId) as SubnetRow | undefined;
    if (!sub) return null;
    const v = sub.ip_version;
    const pools = this.poolsStmt.all(subnetId) as { first: string; last: string }[];
    return {
      cidr: sub.cidr,
      ip_version: v,
      gateway_ip: sub.gateway_ip,
      allocation_pools: pools.map((p) => ({ start: bigIntToIp(fromHex(p.first), v), end: bigIntToIp(fromHex(p.last), v) })),
    };
  }

  /**
   * Without `ip`: the lowest free address of the pools (SUBNET_EXHAUSTED when none).
   * With `ip`: that address, anywhere in the cidr but the network and IPv4 broadcast
   * addresses (IP_NOT_IN_SUBNET) and not already held (IP_ADDRESS_IN_USE).
   * NOT_FOUND for an unknown subnet.
   */
  allocate(subnetId: string, ip?: string | null): string {
    if (ip === undefined || ip === null) {
      const got = this.allocLowestTx(subnetId);
      if (got) return bigIntToIp(got.value, got.version);
      const sub = this.subnet(subnetId);
      throw new CrosspodError('SUBNET_EXHAUSTED', `subnet ${subnetId} (${sub.cidr}) has no free address in its allocation pools`, {
        subnet_id: subnetId,
        cidr: sub.cidr,
      });
    }
    const p = parseIp(ip);
    const sub = this.subnet(subnetId);
    const shown = bigIntToIp(p.value, p.version);
    const details = { subnet_id: subnetId, cidr: sub.cidr, ip_address: shown };
    const hex = toHex(p.value, p.version);
    if (p.version !== sub.ip_version || hex < sub.net_first || hex > sub.net_last) {
      throw new CrosspodError('IP_NOT_IN_SUBNET', `${shown} is not in subnet ${subnetId} (${sub.cidr})`, details);
    }
    if (hex < sub.host_first || hex > sub.host_last) {
      const what = hex === sub.net_first ? 'the network address' : 'the broadcast address';
      throw new CrosspodError('IP_NOT_IN_SUBNET', `${shown} is ${what} of subnet ${subnetId} (${sub.cidr})`, details);
    }
    try {
      this.allocExplicitTx(subnetId, p);
    } catch (e) {
      if (!isPrimaryKeyViolation(e)) throw e;
      throw new CrosspodError('IP_ADDRESS_IN_USE', `${shown} is already allocated in subnet ${subnetId} (${sub.cidr})`, details);
    }
    return shown;
  }

  /**
   * A registered subnet's new gateway and allocation pools (re-validated through normalizeSubnet).
   * An address allocated inside the old pools must stay inside the new ones, else SUBNET_IN_USE
   * naming it; addresses held outside the pools (a gateway, an explicit one) stay where they are.
   * The free ranges are rebuilt from the new pools minus the allocations: an update, unlike an
   * allocation, walks the subnet's allocations.
   */
  updateSubnet(subnetId: string, next: { gateway_ip: string | null; allocation_pools: { start: string; end: string }[] }): NormalizedSubnet {
    const sub = this.subnet(subnetId);
    const n = normalizeSubnet({ cidr: sub.cidr, ip_version: sub.ip_version, gateway_ip: next.gateway_ip, allocation_pools: next.allocation_pools });
    const v = sub.ip_version;
    const inside = n.allocation_pools.map((p) => ({ first: toHex(parseIp(p.start).value, v), last: toHex(parseIp(p.end).value, v) }));
    for (const old of this.poolsStmt.all(subnetId) as { first: string; last: string }[]) {
      for (const hex of this.allocsBetweenStmt.all(subnetId, old.first, old.last) as string[]) {
        if (!inside.some((p) => p.first <= hex && hex <= p.last)) {
          const ip = bigIntToIp(fromHex(hex), v);
          throw new CrosspodError('SUBNET_IN_USE', `${ip} is allocated in subnet ${subnetId} (${sub.cidr}) and would be outside the new allocation pools`, {
            subnet_id: subnetId,
            cidr: sub.cidr,
            ip_address: ip,
          });
        }
      }
    }
    this.updateTx(subnetId, n);
    return n;
  }

  private rebuild(subnetId: string, n: NormalizedSubnet): void {
    const v = parseCidr(n.cidr).version;
    const codec = ipCodec(v);
    this.free.clear(subnetId);
    this.deletePoolsStmt.run(subnetId);
    this.setGatewayStmt.run(n.gateway_ip, subnetId);
    // The free gaps of every pool, adjacent ones merged as addSubnet merges adjacent pools.
    const gaps: { first: bigint; last: bigint }[] = [];
    const gap = (first: bigint, last: bigint) => {
      const prev = gaps[gaps.length - 1];
      if (prev && prev.last + 1n === first) prev.last = last;
      else gaps.push({ first, last });
    };
    for (const p of n.allocation_pools) {
      const first = parseIp(p.start).value;
      const last = parseIp(p.end).value;
      this.insertPoolStmt.run(subnetId, toHex(first, v), toHex(last, v));
      let from = first;
      for (const hex of this.allocsBetweenStmt.all(subnetId, toHex(first, v), toHex(last, v)) as string[]) {
        const x = fromHex(hex);
        if (x > from) gap(from, x - 1n);
        from = x + 1n;
      }
      if (from <= last) gap(from, last);
    }
    for (const g of gaps) this.free.add(subnetId, codec, g.first, g.last);
  }

  /** Frees an address (lowest-first reuse); false when it was not allocated (or no such subnet). */
  release(subnetId: string, ip: string): boolean {
    return this.releaseTx(subnetId, parseIp(ip));
  }

  isAllocated(subnetId: string, ip: string): boolean {
    const p = parseIp(ip);
    return this.isAllocatedStmt.get(subnetId, toHex(p.value, p.version)) !== undefined;
  }

  /** O(1): a counter kept with the allocations. 0 for an unknown subnet. */
  allocatedCount(subnetId: string): number {
    return (this.countStmt.get(subnetId) as number | undefined) ?? 0;
  }

  private subnet(subnetId: string): SubnetRow {
    const sub = this.getSubnetStmt.get(subnetId) as SubnetRow | undefined;
    if (!sub) throw new CrosspodError('NOT_FOUND', `IPAM has no subnet ${subnetId}`, { subnet_id: subnetId });
    return sub;
  }
}

interface PrefixPoolRow {
  name: string;
  ip_version: IpVersion;
  cidr: string;
  prefixlen: number;
}

/** Fixed-length prefixes carved lowest-first out of a larger cidr (bridge /24s out of a /9). */
export class PrefixPool {
  private readonly free: FreeRanges;
  private readonly getStmt: Stmt;
  private readonly insertStmt: Stmt;
  private readonly deleteStmt: Stmt;
  private readonly anyAllocStmt: Stmt;
  private readonly isAllocStmt: Stmt;
  private readonly insertAllocStmt: Stmt;
  private readonly deleteAllocStmt: Stmt;
  private readonly ensureTx: (name: string, c: ParsedCidr, prefixlen: number) => void;
  private readonly allocTx: (pool: PrefixPoolRow, idx: bigint | null) => bigint | null;
  private readonly releaseTx: (name: string, idx: bigint) => boolean;

  constructor(db: Db) {
    this.free = new FreeRanges(db, 'ipam_prefix_free', 'pool');
    this.getStmt = db.prepare('SELECT * FROM ipam_prefix_pools WHERE name = ?');
    this.insertStmt = db.prepare('INSERT INTO ipam_prefix_pools (name, ip_version, cidr, prefixlen) VALUES (?, ?, ?, ?)');
    this.deleteStmt = db.prepare('DELETE FROM ipam_prefix_pools WHERE name = ?');
    this.anyAllocStmt = db.prepare('SELECT 1 FROM ipam_prefix_allocations WHERE pool = ? LIMIT 1').pluck();
    this.isAllocStmt = db.prepare('SELECT 1 FROM ipam_prefix_allocations WHERE pool = ? AND idx = ?').pluck();
    this.insertAllocStmt = db.prepare('INSERT INTO ipam_prefix_allocations (pool, idx, cidr) VALUES (?, ?, ?)');
    this.deleteAllocStmt = db.prepare('DELETE FROM ipam_prefix_allocations WHERE pool = ? AND idx = ?');

    this.ensureTx = db.transaction((name: string, c: ParsedCidr, prefixlen: number) => {
      this.free.clear(name);
      this.deleteStmt.run(name);
      this.insertStmt.run(name, c.version, c.cidr, prefixlen);
      this.free.add(name, HEX32, 0n, (1n << BigInt(prefixlen - c.prefixlen)) - 1n);
    });

    this.allocTx = db.transaction((pool: PrefixPoolRow, idx: bigint | null) => {
      let x: bigint | null = idx;
      if (x === null) x = this.free.takeLowest(pool.name)?.value ?? null;
      else this.free.take(pool.name, HEX32, x);
      if (x !== null) this.insertAllocStmt.run(pool.name, HEX32.enc(x), prefixAt(pool, x));
      return x;
    });

    this.releaseTx = db.transaction((name: string, idx: bigint) => {
      if (this.deleteAllocStmt.run(name, HEX32.enc(idx)).changes === 0) return false;
      this.free.give(name, HEX32, idx);
      return true;
    });
  }

  /**
   * Creates the pool, or leaves it as it is when it already has this cidr and prefixlen.
   * A different configuration replaces it only while nothing is allocated (CONFLICT otherwise).
   */
  ensurePool(name: string, cidr: string, prefixlen: number): void {
    const c = parseCidr(cidr);
    if (!Number.isInteger(prefixlen) || prefixlen < c.prefixlen || prefixlen > bitsOf(c.version)) {
      throw new CrosspodError(
        'INVALID_INPUT',
        `prefix pool ${name}: prefixlen must be an integer between ${c.prefixlen} and ${bitsOf(c.version)}, not ${prefixlen}`,
        { name, cidr: c.cidr, prefixlen },
      );
    }
    const existing = this.getStmt.get(name) as PrefixPoolRow | undefined;
    if (existing && existing.cidr === c.cidr && existing.prefixlen === prefixlen) return;
    if (existing && this.anyAllocStmt.get(name)) {
      throw new CrosspodError(
        'CONFLICT',
        `prefix pool ${name} is ${existing.cidr} /${existing.prefixlen} with prefixes in use; it cannot become ${c.cidr} /${prefixlen}`,
        { name, current: { cidr: existing.cidr, prefixlen: existing.prefixlen }, wanted: { cidr: c.cidr, prefixlen } },
      );
    }
    this.ensureTx(name, c, prefixlen);
  }

  /** The lowest free prefix, or the given one (CONFLICT when taken). POOL_EXHAUSTED when full. */
  allocate(name: string, cidr?: string): string {
    const pool = this.pool(name);
    if (cidr === undefined) {
      const x = this.allocTx(pool, null);
      if (x === null) {
        throw new CrosspodError('POOL_EXHAUSTED', `prefix pool ${name} (${pool.cidr}) has no free /${pool.prefixlen}`, {
          name,
          cidr: pool.cidr,
          prefixlen: pool.prefixlen,
        });
      }
      return prefixAt(pool, x);
    }
    const idx = this.indexOf(pool, cidr);
    if (idx === null) {
      throw new CrosspodError('INVALID_CIDR', `${cidr} is not a /${pool.prefixlen} of prefix pool ${name} (${pool.cidr})`, {
        name,
        cidr,
      });
    }
    if (this.isAllocStmt.get(name, HEX32.enc(idx))) {
      throw new CrosspodError('CONFLICT', `${cidr} is already allocated from prefix pool ${name}`, { name, cidr });
    }
    this.allocTx(pool, idx);
    return prefixAt(pool, idx);
  }

  /** Returns a prefix to the pool; false when it was not allocated from it. */
  release(name: string, cidr: string): boolean {
    const pool = this.getStmt.get(name) as PrefixPoolRow | undefined;
    if (!pool) return false;
    const idx = this.indexOf(pool, cidr);
    return idx === null ? false : this.releaseTx(name, idx);
  }

  isAllocated(name: string, cidr: string): boolean {
    const pool = this.getStmt.get(name) as PrefixPoolRow | undefined;
    if (!pool) return false;
    const idx = this.indexOf(pool, cidr);
    return idx !== null && this.isAllocStmt.get(name, HEX32.enc(idx)) !== undefined;
  }

  private indexOf(pool: PrefixPoolRow, cidr: string): bigint | null {
    const c = parseCidr(cidr);
    const p = poolCidr(pool.cidr);
    if (c.version !== p.version || c.prefixlen !== pool.prefixlen || c.first < p.first || c.last > p.last) return null;
    return (c.first - p.first) >> BigInt(bitsOf(c.version) - pool.prefixlen);
  }

  private pool(name: string): PrefixPoolRow {
    const pool = this.getStmt.get(name) as PrefixPoolRow | undefined;
    if (!pool) throw new CrosspodError('NOT_FOUND', `no prefix pool ${name}`, { name });
    return pool;
  }
}

// Pools are few and their cidrs never change: parse each once.
const poolCidrs = new Map<string, ParsedCidr>();
function poolCidr(cidr: string): ParsedCidr {
  let c = poolCidrs.get(cidr);
  if (!c) poolCidrs.set(cidr, (c = parseCidr(cidr)));
  return c;
}

function prefixAt(pool: PrefixPoolRow, idx: bigint): string {
  const base = poolCidr(pool.cidr).first;
  const v = pool.ip_version;
  return `${bigIntToIp(base + (idx << BigInt(bitsOf(v) - pool.prefixlen)), v)}/${pool.prefixlen}`;
}

interface VlanRangeRow {
  physnet: string;
  vlan_min: number;
  vlan_max: number;
}

/** VLAN ids per physical network, lowest free first (the reference picks randomly). */
export class VlanPool {
  private readonly free: FreeRanges;
  private readonly getStmt: Stmt;
  private readonly upsertStmt: Stmt;
  private readonly allocsInStmt: Stmt;
  private readonly isAllocStmt: Stmt;
  private readonly insertAllocStmt: Stmt;
  private readonly deleteAllocStmt: Stmt;
  private readonly ensureTx: (physnet: string, min: number, max: number) => void;
  private readonly allocTx: (physnet: string, vlan: number | null) => number | null;
  private readonly releaseTx: (r: VlanRangeRow, vlan: number) => boolean;

  constructor(db: Db) {
    this.free = new FreeRanges(db, 'ipam_vlan_free', 'physnet');
    this.getStmt = db.prepare('SELECT * FROM ipam_vlan_ranges WHERE physnet = ?');
    this.upsertStmt = db.prepare(
      `INSERT INTO ipam_vlan_ranges (physnet, vlan_min, vlan_max) VALUES (?, ?, ?)
       ON CONFLICT (physnet) DO UPDATE SET vlan_min = excluded.vlan_min, vlan_max = excluded.vlan_max`,
    );
    this.allocsInStmt = db
      .prepare('SELECT vlan FROM ipam_vlan_allocations WHERE physnet = ? AND vlan BETWEEN ? AND ? ORDER BY vlan')
      .pluck();
    this.isAllocStmt = db.prepare('SELECT 1 FROM ipam_vlan_allocations WHERE physnet = ? AND vlan = ?').pluck();
    this.insertAllocStmt = db.prepare('INSERT INTO ipam_vlan_allocations (physnet, vlan) VALUES (?, ?)');
    this.deleteAllocStmt = db.prepare('DELETE FROM ipam_vlan_allocations WHERE physnet = ? AND vlan = ?');

    // A changed range keeps its allocations: free = new range minus what is held (<= 4094 rows,
    // once per configuration change, never per allocation).
    this.ensureTx = db.transaction((physnet: string, min: number, max: number) => {
      this.upsertStmt.run(physnet, min, max);
      this.free.clear(physnet);
      let next = min;
      for (const held of this.allocsInStmt.all(physnet, min, max) as number[]) {
        if (held > next) this.free.add(physnet, INT, BigInt(next), BigInt(held - 1));
        next = held + 1;
      }
      if (next <= max) this.free.add(physnet, INT, BigInt(next), BigInt(max));
    });

    this.allocTx = db.transaction((physnet: string, vlan: number | null) => {
      let x: number | null = vlan;
      if (x === null) {
        const low = this.free.takeLowest(physnet);
        x = low === null ? null : Number(low.value);
      } else {
        this.free.take(physnet, INT, BigInt(x));
      }
      if (x !== null) this.insertAllocStmt.run(physnet, x);
      return x;
    });

    this.releaseTx = db.transaction((r: VlanRangeRow, vlan: number) => {
      if (this.deleteAllocStmt.run(r.physnet, vlan).changes === 0) return false;
      if (vlan >= r.vlan_min && vlan <= r.vlan_max) this.free.give(r.physnet, INT, BigInt(vlan));
      return true;
    });
  }

  /** Sets the physnet's range (1..4094); allocations survive a change of range. */
  ensureRange(physnet: string, min: number, max: number): void {
    if (!isVlan(min) || !isVlan(max) || min > max) {
      throw new CrosspodError('INVALID_INPUT', `VLAN range for ${physnet} must satisfy 1 <= min <= max <= 4094, not ${min}..${max}`, {
        physnet,
        min,
        max,
      });
    }
    const r = this.getStmt.get(physnet) as VlanRangeRow | undefined;
    if (r && r.vlan_min === min && r.vlan_max === max) return;
    this.ensureTx(physnet, min, max);
  }

  /** The lowest free VLAN of the range (VLAN_EXHAUSTED when none), or the given one (1..4094). */
  allocate(physnet: string, vlan?: number): number {
    const r = this.range(physnet);
    if (vlan === undefined) {
      const x = this.allocTx(physnet, null);
      if (x === null) {
        throw new CrosspodError('VLAN_EXHAUSTED', `no free VLAN on ${physnet} (${r.vlan_min}..${r.vlan_max})`, {
          physnet,
          min: r.vlan_min,
          max: r.vlan_max,
        });
      }
      return x;
    }
    if (!isVlan(vlan)) {
      throw new CrosspodError('INVALID_INPUT', `VLAN id must be an integer in 1..4094, not ${vlan}`, { physnet, vlan });
    }
    if (this.isAllocStmt.get(physnet, vlan)) {
      throw new CrosspodError('CONFLICT', `VLAN ${vlan} on ${physnet} is already allocated`, { physnet, vlan });
    }
    this.allocTx(physnet, vlan);
    return vlan;
  }

  /** Frees a VLAN; false when it was not allocated. */
  release(physnet: string, vlan: number): boolean {
    const r = this.getStmt.get(physnet) as VlanRangeRow | undefined;
    if (!r || !isVlan(vlan)) return false;
    return this.releaseTx(r, vlan);
  }

  isAllocated(physnet: string, vlan: number): boolean {
    return isVlan(vlan) && this.isAllocStmt.get(physnet, vlan) !== undefined;
  }

  private range(physnet: string): VlanRangeRow {
    const r = this.getStmt.get(physnet) as VlanRangeRow | undefined;
    if (!r) throw new CrosspodError('NOT_FOUND', `no VLAN range for physical network ${physnet}`, { physnet });
    return r;
  }
}

function isVlan(v: number): boolean {
  return Number.isInteger(v) && v >= 1 && v <= 4094;
}
