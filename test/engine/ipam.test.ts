import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../main/engine/store';
import {
  bigIntToIp,
  canonicalCidr,
  canonicalIp,
  cidrsOverlap,
  compareIp,
  ipInCidr,
  ipToBigInt,
  normalizeSubnet,
  parseCidr,
  parseIp,
  type SubnetInput,
} from '../../main/engine/ipam/cidr';
import { Ipam, PrefixPool, VlanPool } from '../../main/engine/ipam';
import { Address4, Address6 } from 'ip-address';
import type { ErrorCode } from '../../shared/errors';

/** Runs fn and returns the CrosspodError code it threw (fails if it did not throw). */
function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (e) {
    return (e as { code: ErrorCode }).code;
  }
  throw new Error('expected an error');
}

describe('normalizeSubnet', () => {
  it('fills Neutron defaults for 10.0.1.0/24', () => {
    expect(normalizeSubnet({ cidr: '10.0.1.0/24' })).toEqual({
      cidr: '10.0.1.0/24',
      ip_version: 4,
      gateway_ip: '10.0.1.1',
      allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.254' }],
    });
    expect(normalizeSubnet({ cidr: '10.0.1.0/24', ip_version: 4 }).ip_version).toBe(4);
  });

  it('splits the pools around a gateway in the middle', () => {
    expect(normalizeSubnet({ cidr: '10.0.1.0/24', gateway_ip: '10.0.1.100' })).toEqual({
      cidr: '10.0.1.0/24',
      ip_version: 4,
      gateway_ip: '10.0.1.100',
      allocation_pools: [
        { start: '10.0.1.1', end: '10.0.1.99' },
        { start: '10.0.1.101', end: '10.0.1.254' },
      ],
    });
  });

  it('keeps one pool when the gateway is the first or last host', () => {
    expect(normalizeSubnet({ cidr: '10.0.1.0/24', gateway_ip: '10.0.1.254' }).allocation_pools).toEqual([
      { start: '10.0.1.1', end: '10.0.1.253' },
    ]);
    expect(normalizeSubnet({ cidr: '10.0.1.0/24', gateway_ip: '10.0.1.1' }).allocation_pools).toEqual([
      { start: '10.0.1.2', end: '10.0.1.254' },
    ]);
  });

  it('gives every host to the pool when the gateway is null', () => {
    expect(normalizeSubnet({ cidr: '10.0.1.0/24', gateway_ip: null })).toEqual({
      cidr: '10.0.1.0/24',
      ip_version: 4,
      gateway_ip: null,
      allocation_pools: [{ start: '10.0.1.1', end: '10.0.1.254' }],
    });
  });

  it('fills IPv6 /64 defaults (the last address is a host)', () => {
    expect(normalizeSubnet({ cidr: '2001:db8::/64' })).toEqual({
      cidr: '2001:db8::/64',
      ip_version: 6,
      gateway_ip: '2001:db8::1',
      allocation_pools: [{ start: '2001:db8::2', end: '2001:db8::ffff:ffff:ffff:ffff' }],
    });
    expect(normalizeSubnet({ cidr: '2001:DB8:0000:0::/64', ip_version: 6 }).cidr).toBe('2001:db8::/64');
  });

  it('sorts and canonicalises given pools, and honours an empty list', () => {
    const n = normalizeSubnet({
      cidr: '2001:db8::/120',
      gateway_ip: '2001:DB8::1',
      allocation_pools: [
        { start: '2001:db8::80', end: '2001:db8::ff' },
        { start: '2001:0db8::10', end: '2001:db8::1f' },
      ],
    });
    expect(n.gateway_ip).toBe('2001:db8::1');
    expect(n.allocation_pools).toEqual([
      { start: '2001:db8::10', end: '2001:db8::1f' },
      { start: '2001:db8::80', end: '2001:db8::ff' },
    ]);
    expect(normalizeSubnet({ cidr: '10.0.1.0/24', allocation_pools: [] }).allocation_pools).toEqual([]);
    expect(normalizeSubnet({ cidr: '10.0.1.0/24', allocation_pools: null }).allocation_pools).toEqual([
      { start: '10.0.1.2', end: '10.0.1.254' },
    ]);
  });

  it('is idempotent', () => {
    const once = normalizeSubnet({ cidr: '10.9.0.0/16', gateway_ip: '10.9.3.7' });
    expect(normalizeSubnet(once)).toEqual(once);
  });

  it('handles /30, /31, /32, /127 and /128 sensibly', () => {
    expect(normalizeSubnet({ cidr: '10.0.0.0/30' })).toMatchObject({
      gateway_ip: '10.0.0.1',
      allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.2' }],
    });
    // Point-to-point (RFC 3021): both addresses are hosts.
    expect(normalizeSubnet({ cidr: '10.0.0.4/31' })).toMatchObject({
      gateway_ip: '10.0.0.4',
      allocation_pools: [{ start: '10.0.0.5', end: '10.0.0.5' }],
    });
    expect(normalizeSubnet({ cidr: '10.0.0.4/31', gateway_ip: null }).allocation_pools).toEqual([
      { start: '10.0.0.4', end: '10.0.0.5' },
    ]);
    expect(normalizeSubnet({ cidr: '10.0.0.9/32' })).toMatchObject({
      gateway_ip: null,
      allocation_pools: [{ start: '10.0.0.9', end: '10.0.0.9' }],
    });
    expect(normalizeSubnet({ cidr: '10.0.0.9/32', gateway_ip: '10.0.0.9' }).allocation_pools).toEqual([]);
    expect(normalizeSubnet({ cidr: '2001:db8::/127' })).toMatchObject({
      gateway_ip: '2001:db8::',
      allocation_pools: [{ start: '2001:db8::1', end: '2001:db8::1' }],
    });
    expect(normalizeSubnet({ cidr: '2001:db8::5/128' })).toMatchObject({
      gateway_ip: null,
      allocation_pools: [{ start: '2001:db8::5', end: '2001:db8::5' }],
    });
  });

  it('refuses bad cidrs with INVALID_CIDR', () => {
    for (const cidr of [
      'garbage',
      '',
      '10.0.1.0',
      '10.0.1.0/',
      '10.0.1.0/33',
      '10.0.1.0/024',
      '10.0.1.0/24/1',
      '300.0.0.0/8',
      '010.0.1.0/24',
      ' 10.0.1.0/24',
      '2001:db8::/129',
      '2001:db8::%eth0/64',
      '10.0.0.0/0',
    ]) {
      expect(codeOf(() => normalizeSubnet({ cidr })), cidr).toBe('INVALID_CIDR');
    }
    expect(codeOf(() => normalizeSubnet({ cidr: 42 } as unknown as SubnetInput))).toBe('INVALID_CIDR');
  });

  it('refuses host bits set, naming the network', () => {
    try {
      normalizeSubnet({ cidr: '10.0.1.5/24' });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_CIDR', details: { network: '10.0.1.0/24' } });
      expect((e as Error).message).toContain('10.0.1.0/24');
    }
    expect(codeOf(() => normalizeSubnet({ cidr: '2001:db8::1/64' }))).toBe('INVALID_CIDR');
  });

  it('refuses an ip_version that does not match', () => {
    expect(codeOf(() => normalizeSubnet({ cidr: '10.0.1.0/24', ip_version: 6 }))).toBe('INVALID_CIDR');
    expect(codeOf(() => normalizeSubnet({ cidr: '2001:db8::/64', ip_version: 4 }))).toBe('INVALID_CIDR');
    expect(codeOf(() => normalizeSubnet({ cidr: '10.0.1.0/24', ip_version: 5 }))).toBe('INVALID_INPUT');
  });

  it('refuses bad gateways', () => {
    const gw = (gateway_ip: string) => codeOf(() => normalizeSubnet({ cidr: '10.0.1.0/24', gateway_ip }));
    expect(gw('10.0.2.1')).toBe('IP_NOT_IN_SUBNET');
    expect(gw('10.0.1.0')).toBe('IP_NOT_IN_SUBNET');
    expect(gw('10.0.1.255')).toBe('IP_NOT_IN_SUBNET');
    expect(gw('10.0.1.x')).toBe('INVALID_IP_ADDRESS');
    expect(gw('')).toBe('INVALID_IP_ADDRESS');
    expect(gw('10.0.1.1/24')).toBe('INVALID_IP_ADDRESS');
    expect(gw('2001:db8::1')).toBe('INVALID_IP_ADDRESS');
    // v6: the network address (subnet-router anycast) is refused, the last address is fine.
    expect(codeOf(() => normalizeSubnet({ cidr: '2001:db8::/64', gateway_ip: '2001:db8::' }))).toBe('IP_NOT_IN_SUBNET');
    expect(normalizeSubnet({ cidr: '2001:db8::/64', gateway_ip: '2001:db8::ffff:ffff:ffff:ffff' }).allocation_pools).toEqual([
      { start: '2001:db8::1', end: '2001:db8::ffff:ffff:ffff:fffe' },
    ]);
  });

  it('refuses bad pools', () => {
    const pools = (allocation_pools: { start: string; end: string }[], gateway_ip?: string) =>
      codeOf(() => normalizeSubnet({ cidr: '10.0.1.0/24', allocation_pools, gateway_ip }));
    expect(pools([{ start: '10.0.1.10', end: '10.0.2.10' }])).toBe('IP_NOT_IN_SUBNET');
    expect(pools([{ start: '10.0.1.0', end: '10.0.1.10' }])).toBe('IP_NOT_IN_SUBNET');
    expect(pools([{ start: '10.0.1.200', end: '10.0.1.255' }])).toBe('IP_NOT_IN_SUBNET');
    expect(pools([{ start: '10.0.1.20', end: '10.0.1.10' }])).toBe('INVALID_INPUT');
    expect(
      pools([
        { start: '10.0.1.10', end: '10.0.1.20' },
        { start: '10.0.1.20', end: '10.0.1.30' },
      ]),
    ).toBe('INVALID_INPUT');
    expect(pools([{ start: '10.0.1.1', end: '10.0.1.20' }])).toBe('INVALID_INPUT'); // contains the default gateway
    expect(pools([{ start: '10.0.1.2', end: '10.0.1.20' }], '10.0.1.5')).toBe('INVALID_INPUT');
    expect(pools([{ start: 'nope', end: '10.0.1.20' }])).toBe('INVALID_IP_ADDRESS');
    expect(
      codeOf(() => normalizeSubnet({ cidr: '10.0.1.0/24', allocation_pools: 'x' as unknown as [] })),
    ).toBe('INVALID_INPUT');
  });
});

describe('address helpers', () => {
  it('detects overlap in IPv4 and IPv6', () => {
    expect(cidrsOverlap('10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.1.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(cidrsOverlap('10.0.1.0/24', '10.0.1.0/24')).toBe(true);
    expect(cidrsOverlap('10.0.0.0/24', '10.0.1.0/24')).toBe(false);
    expect(cidrsOverlap('10.0.0.0/23', '10.0.1.0/24')).toBe(true);
    expect(cidrsOverlap('10.0.1.7/32', '10.0.1.0/29')).toBe(true);
    expect(cidrsOverlap('10.0.1.8/32', '10.0.1.0/29')).toBe(false);
    expect(cidrsOverlap('2001:db8::/32', '2001:db8:1::/48')).toBe(true);
    expect(cidrsOverlap('2001:db8::/64', '2001:db8:0:1::/64')).toBe(false);
    expect(cidrsOverlap('::/0', 'fe80::/10')).toBe(true);
    expect(cidrsOverlap('0.0.0.0/0', '::/0')).toBe(false);
    expect(codeOf(() => cidrsOverlap('10.0.1.1/24', '10.0.0.0/8'))).toBe('INVALID_CIDR');
  });

  it('formats and parses exactly as ip-address does', () => {
    // Zero-heavy groups exercise the '::' rules (longest run, first on a tie, never a single group).
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 2000; k++) {
      let v = 0n;
      for (let g = 0; g < 8; g++) {
        const r = rand();
        v = (v << 16n) | BigInt(r < 0.5 ? 0 : r < 0.6 ? 1 : Math.floor(rand() * 65536));
      }
      expect(bigIntToIp(v, 6)).toBe(Address6.fromBigInt(v).correctForm());
      const n = Math.floor(rand() * 2 ** 32);
      const quad = Address4.fromInteger(n).correctForm();
      expect(ipToBigInt(quad)).toBe(BigInt(n));
      expect(bigIntToIp(BigInt(n), 4)).toBe(quad);
    }
    expect(bigIntToIp(0n, 6)).toBe('::');
    expect(bigIntToIp(1n, 6)).toBe('::1');
    expect(canonicalIp('1:0:1:1:1:1:1:1')).toBe('1:0:1:1:1:1:1:1');
    expect(canonicalIp('1:0:0:1:0:0:1:1')).toBe('1::1:0:0:1:1');
    expect(canonicalIp('1:0:0:1:0:0:0:1')).toBe('1:0:0:1::1');
  });

  it('tests membership', () => {
    expect(ipInCidr('10.0.1.255', '10.0.1.0/24')).toBe(true);
    expect(ipInCidr('10.0.2.0', '10.0.1.0/24')).toBe(false);
    expect(ipInCidr('2001:db8::ffff', '2001:db8::/64')).toBe(true);
    expect(ipInCidr('::ffff:10.0.1.1', '10.0.1.0/24')).toBe(false);
  });

  it('canonicalises, compares and converts', () => {
    expect(canonicalIp('2001:0DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('10.0.1.1')).toBe('10.0.1.1');
    expect(canonicalCidr('2001:DB8::/32')).toBe('2001:db8::/32');
    expect(codeOf(() => canonicalIp('010.0.1.1'))).toBe('INVALID_IP_ADDRESS');
    expect(codeOf(() => parseIp('fe80::1%eth0'))).toBe('INVALID_IP_ADDRESS');
    expect(['10.0.1.10', '2001:db8::1', '10.0.1.9', '9.255.255.255', '::1'].sort(compareIp)).toEqual([
      '9.255.255.255',
      '10.0.1.9',
      '10.0.1.10',
      '::1',
      '2001:db8::1',
    ]);
    expect(compareIp('10.0.1.1', '10.0.1.1')).toBe(0);
    expect(ipToBigInt('255.255.255.255')).toBe(4294967295n);
    expect(bigIntToIp(4294967295n, 4)).toBe('255.255.255.255');
    expect(bigIntToIp(167772161n, 4)).toBe('10.0.0.1');
    expect(bigIntToIp((1n << 128n) - 1n, 6)).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(codeOf(() => bigIntToIp(1n << 32n, 4))).toBe('INVALID_IP_ADDRESS');
    expect(parseCidr('10.0.0.0/8')).toEqual({ version: 4, prefixlen: 8, first: 167772160n, last: 184549375n, cidr: '10.0.0.0/8' });
  });
});

describe('persistent allocators', () => {
  let dir: string;
  let store: Store;
  const file = () => join(dir, 'crosspod.db');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-ipam-'));
    store = await openStore(file());
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const freeRanges = (subnetId: string) =>
    store.db
      .prepare('SELECT first, last FROM ipam_free_ranges WHERE subnet_id = ? ORDER BY first')
      .all(subnetId)
      .map((r) => {
        const { first, last } = r as { first: string; last: string };
        const v = first.length === 8 ? 4 : 6;
        return `${bigIntToIp(BigInt(`0x${first}`), v)}-${bigIntToIp(BigInt(`0x${last}`), v)}`;
      });

  describe('Ipam', () => {
    let ipam: Ipam;
    beforeEach(() => {
      ipam = new Ipam(store.db);
      ipam.addSubnet('s1', normalizeSubnet({ cidr: '10.0.1.0/24' }));
    });

    it('allocates lowest-first, never the network, broadcast or gateway', () => {
      expect(ipam.allocate('s1')).toBe('10.0.1.2');
      expect(ipam.allocate('s1')).toBe('10.0.1.3');
      expect(ipam.allocate('s1')).toBe('10.0.1.4');
      expect(ipam.allocatedCount('s1')).toBe(3);
      expect(ipam.isAllocated('s1', '10.0.1.3')).toBe(true);
      expect(ipam.isAllocated('s1', '10.0.1.5')).toBe(false);
      expect(ipam.isAllocated('s1', '10.0.1.1')).toBe(false);
      expect(freeRanges('s1')).toEqual(['10.0.1.5-10.0.1.254']);
    });

    it('honours an explicit address and refuses one in use', () => {
      expect(ipam.allocate('s1', '10.0.1.10')).toBe('10.0.1.10');
      expect(freeRanges('s1')).toEqual(['10.0.1.2-10.0.1.9', '10.0.1.11-10.0.1.254']);
      expect(codeOf(() => ipam.allocate('s1', '10.0.1.10'))).toBe('IP_ADDRESS_IN_USE');
      expect(ipam.allocate('s1')).toBe('10.0.1.2');
      expect(codeOf(() => ipam.allocate('s1', '10.0.1.2'))).toBe('IP_ADDRESS_IN_USE');
      for (let i = 3; i <= 9; i++) expect(ipam.allocate('s1')).toBe(`10.0.1.${i}`);
      expect(ipam.allocate('s1')).toBe('10.0.1.11');
      expect(freeRanges('s1')).toEqual(['10.0.1.12-10.0.1.254']);
    });

    it('refuses addresses outside the subnet, the network and the broadcast', () => {
      expect(codeOf(() => ipam.allocate('s1', '10.0.2.5'))).toBe('IP_NOT_IN_SUBNET');
      expect(codeOf(() => ipam.allocate('s1', '10.0.1.0'))).toBe('IP_NOT_IN_SUBNET');
      expect(codeOf(() => ipam.allocate('s1', '10.0.1.255'))).toBe('IP_NOT_IN_SUBNET');
      expect(codeOf(() => ipam.allocate('s1', '2001:db8::5'))).toBe('IP_NOT_IN_SUBNET');
      expect(codeOf(() => ipam.allocate('s1', 'ten'))).toBe('INVALID_IP_ADDRESS');
      expect(codeOf(() => ipam.allocate('s1', '10.0.1.5/24'))).toBe('INVALID_IP_ADDRESS');
      expect(codeOf(() => ipam.allocate('nope'))).toBe('NOT_FOUND');
      expect(ipam.allocatedCount('s1')).toBe(0);
    });

    it('allows the gateway explicitly but never hands it out', () => {
      expect(ipam.allocate('s1', '10.0.1.1')).toBe('10.0.1.1');
      expect(codeOf(() => ipam.allocate('s1', '10.0.1.1'))).toBe('IP_ADDRESS_IN_USE');
      expect(ipam.allocate('s1')).toBe('10.0.1.2');
      expect(ipam.release('s1', '10.0.1.1')).toBe(true);
      expect(freeRanges('s1')).toEqual(['10.0.1.3-10.0.1.254']);
      expect(ipam.allocate('s1')).toBe('10.0.1.3');
    });

    it('releases and reuses lowest-first, merging free ranges', () => {
      for (let i = 2; i <= 6; i++) expect(ipam.allocate('s1')).toBe(`10.0.1.${i}`);
      expect(ipam.release('s1', '10.0.1.3')).toBe(true);
      expect(ipam.release('s1', '10.0.1.5')).toBe(true);
      expect(freeRanges('s1')).toEqual(['10.0.1.3-10.0.1.3', '10.0.1.5-10.0.1.5', '10.0.1.7-10.0.1.254']);
      expect(ipam.release('s1', '10.0.1.4')).toBe(true);
      expect(freeRanges('s1')).toEqual(['10.0.1.3-10.0.1.5', '10.0.1.7-10.0.1.254']);
      expect(ipam.release('s1', '10.0.1.6')).toBe(true);
      expect(freeRanges('s1')).toEqual(['10.0.1.3-10.0.1.254']);
      expect(ipam.release('s1', '10.0.1.2')).toBe(true);
      expect(freeRanges('s1')).toEqual(['10.0.1.2-10.0.1.254']);
      expect(ipam.allocatedCount('s1')).toBe(0);
      expect(ipam.allocate('s1')).toBe('10.0.1.2');
      expect(ipam.allocate('s1')).toBe('10.0.1.3');
    });

    it('treats releasing an address that is not allocated as a no-op', () => {
      expect(ipam.release('s1', '10.0.1.9')).toBe(false);
      expect(ipam.release('s1', '10.0.9.9')).toBe(false);
      expect(ipam.release('s1', '2001:db8::9')).toBe(false);
      expect(ipam.release('unknown', '10.0.1.9')).toBe(false);
      expect(codeOf(() => ipam.release('s1', 'garbage'))).toBe('INVALID_IP_ADDRESS');
      expect(freeRanges('s1')).toEqual(['10.0.1.2-10.0.1.254']);
    });

    it('exhausts a /30', () => {
      ipam.addSubnet('s30', normalizeSubnet({ cidr: '10.0.2.0/30' }));
      expect(ipam.allocate('s30')).toBe('10.0.2.2');
      expect(codeOf(() => ipam.allocate('s30'))).toBe('SUBNET_EXHAUSTED');
      expect(ipam.allocate('s30', '10.0.2.1')).toBe('10.0.2.1');
      expect(codeOf(() => ipam.allocate('s30', '10.0.2.3'))).toBe('IP_NOT_IN_SUBNET');
      expect(ipam.release('s30', '10.0.2.2')).toBe(true);
      expect(ipam.allocate('s30')).toBe('10.0.2.2');
      expect(codeOf(() => ipam.allocate('s30'))).toBe('SUBNET_EXHAUSTED');
    });

    it('handles /31 and /32 subnets', () => {
      ipam.addSubnet('p2p', normalizeSubnet({ cidr: '10.0.3.0/31', gateway_ip: null }));
      expect(ipam.allocate('p2p')).toBe('10.0.3.0');
      expect(ipam.allocate('p2p')).toBe('10.0.3.1');
      expect(codeOf(() => ipam.allocate('p2p'))).toBe('SUBNET_EXHAUSTED');
      ipam.addSubnet('host', normalizeSubnet({ cidr: '10.0.4.7/32' }));
      expect(ipam.allocate('host')).toBe('10.0.4.7');
      expect(codeOf(() => ipam.allocate('host'))).toBe('SUBNET_EXHAUSTED');
      expect(codeOf(() => ipam.allocate('host', '10.0.4.8'))).toBe('IP_NOT_IN_SUBNET');
    });

    it('allocates IPv6 lowest-first and accepts the last address explicitly', () => {
      ipam.addSubnet('v6', normalizeSubnet({ cidr: '2001:db8:1::/64' }));
      expect(ipam.allocate('v6')).toBe('2001:db8:1::2');
      expect(ipam.allocate('v6')).toBe('2001:db8:1::3');
      expect(ipam.allocate('v6', '2001:DB8:1:0:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:0:ffff:ffff:ffff:ffff');
      expect(ipam.allocate('v6', '2001:db8:1::1')).toBe('2001:db8:1::1');
      expect(codeOf(() => ipam.allocate('v6', '2001:db8:1::'))).toBe('IP_NOT_IN_SUBNET');
      expect(codeOf(() => ipam.allocate('v6', '2001:db8:2::5'))).toBe('IP_NOT_IN_SUBNET');
      expect(codeOf(() => ipam.allocate('v6', '10.0.1.5'))).toBe('IP_NOT_IN_SUBNET');
      expect(codeOf(() => ipam.allocate('v6', '2001:db8:1::3'))).toBe('IP_ADDRESS_IN_USE');
      expect(ipam.isAllocated('v6', '2001:db8:1:0::3')).toBe(true);
      expect(ipam.release('v6', '2001:db8:1::2')).toBe(true);
      expect(ipam.allocate('v6')).toBe('2001:db8:1::2');
      expect(ipam.allocate('v6')).toBe('2001:db8:1::4');
      expect(freeRanges('v6')).toEqual(['2001:db8:1::5-2001:db8:1:0:ffff:ffff:ffff:fffe']);
      expect(ipam.allocatedCount('v6')).toBe(5);
    });

    it('allocates only from the given pools, and explicitly outside them', () => {
      ipam.addSubnet(
        'pools',
        normalizeSubnet({
          cidr: '192.168.0.0/24',
          allocation_pools: [
            { start: '192.168.0.60', end: '192.168.0.60' },
            { start: '192.168.0.50', end: '192.168.0.52' },
            { start: '192.168.0.53', end: '192.168.0.54' },
          ],
        }),
      );
      // Adjacent pools become one free range.
      expect(freeRanges('pools')).toEqual(['192.168.0.50-192.168.0.54', '192.168.0.60-192.168.0.60']);
      const got = Array.from({ length: 6 }, () => ipam.allocate('pools'));
      expect(got).toEqual(['192.168.0.50', '192.168.0.51', '192.168.0.52', '192.168.0.53', '192.168.0.54', '192.168.0.60']);
      expect(codeOf(() => ipam.allocate('pools'))).toBe('SUBNET_EXHAUSTED');
      expect(ipam.allocate('pools', '192.168.0.100')).toBe('192.168.0.100');
      expect(ipam.release('pools', '192.168.0.100')).toBe(true);
      expect(codeOf(() => ipam.allocate('pools'))).toBe('SUBNET_EXHAUSTED');
      expect(ipam.release('pools', '192.168.0.54')).toBe(true);
      expect(ipam.release('pools', '192.168.0.60')).toBe(true);
      expect(freeRanges('pools')).toEqual(['192.168.0.54-192.168.0.54', '192.168.0.60-192.168.0.60']);
      expect(ipam.allocate('pools')).toBe('192.168.0.54');
    });

    it('registers, describes and removes subnets', () => {
      expect(ipam.getSubnet('s1')).toEqual(normalizeSubnet({ cidr: '10.0.1.0/24' }));
      expect(ipam.getSubnet('none')).toBeNull();
      expect(codeOf(() => ipam.addSubnet('s1', normalizeSubnet({ cidr: '10.0.9.0/24' })))).toBe('CONFLICT');
      expect(
        codeOf(() => ipam.addSubnet('bad', { cidr: '10.0.9.5/24', ip_version: 4, gateway_ip: null, allocation_pools: [] })),
      ).toBe('INVALID_CIDR');
      expect(ipam.getSubnet('bad')).toBeNull();
      ipam.allocate('s1');
      ipam.allocate('s1', '10.0.1.1');
      ipam.removeSubnet('s1');
      ipam.removeSubnet('s1');
      expect(ipam.getSubnet('s1')).toBeNull();
      expect(ipam.allocatedCount('s1')).toBe(0);
      expect(codeOf(() => ipam.allocate('s1'))).toBe('NOT_FOUND');
      for (const t of ['ipam_subnets', 'ipam_pools', 'ipam_free_ranges', 'ipam_allocations']) {
        expect(store.db.prepare(`SELECT count(*) FROM ${t} WHERE subnet_id = 's1'`).pluck().get(), t).toBe(0);
      }
      ipam.addSubnet('s1', normalizeSubnet({ cidr: '10.0.1.0/24', gateway_ip: '10.0.1.254' }));
      expect(ipam.allocate('s1')).toBe('10.0.1.1');
    });

    it('keeps subnets apart', () => {
      ipam.addSubnet('s2', normalizeSubnet({ cidr: '10.0.1.0/24' }));
      expect(ipam.allocate('s1')).toBe('10.0.1.2');
      expect(ipam.allocate('s2')).toBe('10.0.1.2');
      expect(ipam.release('s2', '10.0.1.2')).toBe(true);
      expect(ipam.isAllocated('s1', '10.0.1.2')).toBe(true);
    });

    it("rolls back with the caller's transaction and nests inside it", () => {
      const tx = store.db.transaction(() => {
        expect(ipam.allocate('s1')).toBe('10.0.1.2');
        ipam.allocate('s1', '10.0.1.50');
        throw new Error('caller fails');
      });
      expect(() => tx()).toThrow('caller fails');
      expect(ipam.allocatedCount('s1')).toBe(0);
      expect(freeRanges('s1')).toEqual(['10.0.1.2-10.0.1.254']);
      const ok = store.db.transaction(() => [ipam.allocate('s1'), ipam.allocate('s1')]);
      expect(ok()).toEqual(['10.0.1.2', '10.0.1.3']);
      // A failing allocation inside a transaction leaves the transaction usable.
      store.db.transaction(() => {
        expect(codeOf(() => ipam.allocate('s1', '10.0.1.2'))).toBe('IP_ADDRESS_IN_USE');
        expect(ipam.allocate('s1')).toBe('10.0.1.4');
      })();
      expect(ipam.allocatedCount('s1')).toBe(3);
    });

    it('serves a /8 from deep and fragmented state through a handful of ranges', () => {
      ipam.addSubnet('big', normalizeSubnet({ cidr: '10.0.0.0/8' }));
      expect(ipam.allocate('big', '10.15.66.65')).toBe('10.15.66.65'); // what the 1,000,000th allocation gets
      expect(ipam.allocate('big', '10.255.255.254')).toBe('10.255.255.254');
      expect(codeOf(() => ipam.allocate('big', '10.255.255.255'))).toBe('IP_NOT_IN_SUBNET');
      expect(freeRanges('big')).toEqual(['10.0.0.2-10.15.66.64', '10.15.66.66-10.255.255.253']);
      store.db.transaction(() => {
        for (let i = 0; i < 2000; i++) ipam.allocate('big');
      })();
      expect(ipam.allocate('big')).toBe('10.0.7.210'); // 2 + 2000 = 2002 = 7 * 256 + 210
      // Fragment: release every other address of the first 2000.
      for (let i = 2; i < 2002; i += 2) ipam.release('big', bigIntToIp(167772160n + BigInt(i), 4));
      expect(freeRanges('big')).toHaveLength(1000 + 2);
      expect(ipam.allocate('big')).toBe('10.0.0.2');
      expect(ipam.allocate('big')).toBe('10.0.0.4');
      expect(freeRanges('big')).toHaveLength(998 + 2);
      expect(ipam.allocatedCount('big')).toBe(2 + 2001 - 1000 + 2);
    });

    it('matches a naive model under random operations', () => {
      // A /26 with a gateway in the middle and an explicit pool hole; seeded PRNG.
      ipam.addSubnet(
        'm',
        normalizeSubnet({
          cidr: '172.16.0.0/26',
          gateway_ip: '172.16.0.30',
          allocation_pools: [
            { start: '172.16.0.1', end: '172.16.0.20' },
            { start: '172.16.0.31', end: '172.16.0.62' },
          ],
        }),
      );
      const base = 2886729728n; // 172.16.0.0
      const inPool = (n: number) => (n >= 1 && n <= 20) || (n >= 31 && n <= 62);
      const held = new Set<number>();
      let seed = 12345;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      for (let step = 0; step < 3000; step++) {
        const op = rand(3);
        if (op === 0) {
          const free = [...Array(63).keys()].filter((n) => inPool(n) && !held.has(n));
          if (free.length === 0) expect(codeOf(() => ipam.allocate('m'))).toBe('SUBNET_EXHAUSTED');
          else {
            expect(ipam.allocate('m')).toBe(bigIntToIp(base + BigInt(free[0]), 4));
            held.add(free[0]);
          }
        } else if (op === 1) {
          const n = 1 + rand(62);
          const ip = bigIntToIp(base + BigInt(n), 4);
          if (held.has(n)) expect(codeOf(() => ipam.allocate('m', ip))).toBe('IP_ADDRESS_IN_USE');
          else {
            expect(ipam.allocate('m', ip)).toBe(ip);
            held.add(n);
          }
        } else {
          const n = rand(64);
          expect(ipam.release('m', bigIntToIp(base + BigInt(n), 4))).toBe(held.delete(n));
        }
      }
      expect(ipam.allocatedCount('m')).toBe(held.size);
      // The free ranges are exactly the maximal runs of free pool addresses.
      const runs: string[] = [];
      let start = -1;
      for (let n = 0; n <= 64; n++) {
        const free = n < 64 && inPool(n) && !held.has(n);
        if (free && start < 0) start = n;
        if (!free && start >= 0) {
          runs.push(`${bigIntToIp(base + BigInt(start), 4)}-${bigIntToIp(base + BigInt(n - 1), 4)}`);
          start = -1;
        }
      }
      // Pools 1-20 and 31-62 are not adjacent, so no run crosses them.
      expect(freeRanges('m')).toEqual(runs);
    });

    it('persists across reopening the file', async () => {
      ipam.addSubnet('v6', normalizeSubnet({ cidr: '2001:db8::/64' }));
      expect(ipam.allocate('s1')).toBe('10.0.1.2');
      expect(ipam.allocate('s1')).toBe('10.0.1.3');
      ipam.release('s1', '10.0.1.2');
      expect(ipam.allocate('v6')).toBe('2001:db8::2');
      store.close();
      store = await openStore(file());
      const again = new Ipam(store.db);
      expect(again.getSubnet('s1')?.gateway_ip).toBe('10.0.1.1');
      expect(again.isAllocated('s1', '10.0.1.3')).toBe(true);
      expect(again.allocate('s1')).toBe('10.0.1.2');
      expect(again.allocate('s1')).toBe('10.0.1.4');
      expect(again.allocate('v6')).toBe('2001:db8::3');
    });
  });

  describe('PrefixPool', () => {
    let pools: PrefixPool;
    beforeEach(() => {
      pools = new PrefixPool(store.db);
      pools.ensurePool('ew', '100.0.0.0/9', 24);
      pools.ensurePool('ns', '100.128.0.0/9', 24);
    });

    it('carves /24s lowest-first and reuses released ones', () => {
      expect(pools.allocate('ew')).toBe('100.0.0.0/24');
      expect(pools.allocate('ew')).toBe('100.0.1.0/24');
      expect(pools.allocate('ns')).toBe('100.128.0.0/24');
      expect(pools.allocate('ew')).toBe('100.0.2.0/24');
      expect(pools.release('ew', '100.0.0.0/24')).toBe(true);
      expect(pools.release('ew', '100.0.0.0/24')).toBe(false);
      expect(pools.isAllocated('ew', '100.0.1.0/24')).toBe(true);
      expect(pools.isAllocated('ew', '100.0.0.0/24')).toBe(false);
      expect(pools.allocate('ew')).toBe('100.0.0.0/24');
      expect(pools.allocate('ew')).toBe('100.0.3.0/24');
    });

    it('is idempotent to ensure and refuses a change while prefixes are in use', () => {
      pools.ensurePool('ew', '100.0.0.0/9', 24);
      expect(pools.allocate('ew')).toBe('100.0.0.0/24');
      pools.ensurePool('ew', '100.0.0.0/9', 24);
      expect(pools.allocate('ew')).toBe('100.0.1.0/24');
      expect(codeOf(() => pools.ensurePool('ew', '100.0.0.0/9', 25))).toBe('CONFLICT');
      pools.release('ew', '100.0.0.0/24');
      pools.release('ew', '100.0.1.0/24');
      pools.ensurePool('ew', '100.64.0.0/10', 25);
      expect(pools.allocate('ew')).toBe('100.64.0.0/25');
      expect(pools.allocate('ew')).toBe('100.64.0.128/25');
    });

    it('takes an explicit prefix and validates it', () => {
      expect(pools.allocate('ew', '100.0.0.0/24')).toBe('100.0.0.0/24');
      expect(pools.allocate('ew', '100.0.2.0/24')).toBe('100.0.2.0/24');
      expect(pools.allocate('ew')).toBe('100.0.1.0/24');
      expect(pools.allocate('ew')).toBe('100.0.3.0/24');
      expect(codeOf(() => pools.allocate('ew', '100.0.2.0/24'))).toBe('CONFLICT');
      expect(codeOf(() => pools.allocate('ew', '100.0.2.0/25'))).toBe('INVALID_CIDR');
      expect(codeOf(() => pools.allocate('ew', '100.128.0.0/24'))).toBe('INVALID_CIDR');
      expect(codeOf(() => pools.allocate('ew', '100.0.2.1/24'))).toBe('INVALID_CIDR');
      expect(pools.release('ew', '100.128.0.0/24')).toBe(false);
    });

    it('refuses bad configuration and unknown pools', () => {
      expect(codeOf(() => pools.ensurePool('x', '100.0.0.0/9', 8))).toBe('INVALID_INPUT');
      expect(codeOf(() => pools.ensurePool('x', '100.0.0.0/9', 33))).toBe('INVALID_INPUT');
      expect(codeOf(() => pools.ensurePool('x', '100.0.0.0/9', 24.5))).toBe('INVALID_INPUT');
      expect(codeOf(() => pools.ensurePool('x', '100.0.0.1/9', 24))).toBe('INVALID_CIDR');
      expect(codeOf(() => pools.allocate('x'))).toBe('NOT_FOUND');
      expect(pools.release('x', '100.0.0.0/24')).toBe(false);
    });

    it('holds exactly 32768 /24s in a /9', () => {
      const got = store.db.transaction(() => Array.from({ length: 32768 }, () => pools.allocate('ew')))();
      expect(got[0]).toBe('100.0.0.0/24');
      expect(got[255]).toBe('100.0.255.0/24');
      expect(got[256]).toBe('100.1.0.0/24');
      expect(got[32767]).toBe('100.127.255.0/24');
      expect(new Set(got).size).toBe(32768);
      expect(codeOf(() => pools.allocate('ew'))).toBe('POOL_EXHAUSTED');
      expect(pools.release('ew', '100.127.255.0/24')).toBe(true);
      expect(pools.release('ew', '100.64.7.0/24')).toBe(true);
      expect(pools.allocate('ew')).toBe('100.64.7.0/24');
      expect(pools.allocate('ew')).toBe('100.127.255.0/24');
      expect(codeOf(() => pools.allocate('ew'))).toBe('POOL_EXHAUSTED');
      expect(pools.allocate('ns')).toBe('100.128.0.0/24');
    });

    it('carves IPv6 prefixes', () => {
      pools.ensurePool('v6', 'fd00:abcd::/48', 64);
      expect(pools.allocate('v6')).toBe('fd00:abcd::/64');
      expect(pools.allocate('v6')).toBe('fd00:abcd:0:1::/64');
      expect(pools.allocate('v6', 'fd00:abcd:0:ffff::/64')).toBe('fd00:abcd:0:ffff::/64');
      expect(pools.allocate('v6')).toBe('fd00:abcd:0:2::/64');
    });

    it('persists across reopening the file', async () => {
      expect(pools.allocate('ew')).toBe('100.0.0.0/24');
      expect(pools.allocate('ew')).toBe('100.0.1.0/24');
      store.close();
      store = await openStore(file());
      const again = new PrefixPool(store.db);
      again.ensurePool('ew', '100.0.0.0/9', 24);
      expect(again.allocate('ew')).toBe('100.0.2.0/24');
    });
  });

  describe('VlanPool', () => {
    let vlans: VlanPool;
    beforeEach(() => {
      vlans = new VlanPool(store.db);
      vlans.ensureRange('bridge', 2000, 2002);
    });

    it('allocates lowest-first until exhausted, and reuses released ids', () => {
      expect(vlans.allocate('bridge')).toBe(2000);
      expect(vlans.allocate('bridge')).toBe(2001);
      expect(vlans.allocate('bridge')).toBe(2002);
      expect(codeOf(() => vlans.allocate('bridge'))).toBe('VLAN_EXHAUSTED');
      expect(vlans.release('bridge', 2001)).toBe(true);
      expect(vlans.release('bridge', 2001)).toBe(false);
      expect(vlans.isAllocated('bridge', 2001)).toBe(false);
      expect(vlans.allocate('bridge')).toBe(2001);
      expect(vlans.isAllocated('bridge', 2001)).toBe(true);
    });

    it('takes explicit ids, inside or outside the range', () => {
      expect(vlans.allocate('bridge', 2001)).toBe(2001);
      expect(codeOf(() => vlans.allocate('bridge', 2001))).toBe('CONFLICT');
      expect(vlans.allocate('bridge', 100)).toBe(100);
      expect(codeOf(() => vlans.allocate('bridge', 4095))).toBe('INVALID_INPUT');
      expect(codeOf(() => vlans.allocate('bridge', 0))).toBe('INVALID_INPUT');
      expect(vlans.allocate('bridge')).toBe(2000);
      expect(vlans.allocate('bridge')).toBe(2002);
      expect(vlans.release('bridge', 100)).toBe(true);
      expect(codeOf(() => vlans.allocate('bridge'))).toBe('VLAN_EXHAUSTED');
    });

    it('validates ranges, keeps allocations when the range changes, and knows physnets apart', () => {
      expect(codeOf(() => vlans.ensureRange('x', 0, 10))).toBe('INVALID_INPUT');
      expect(codeOf(() => vlans.ensureRange('x', 10, 4095))).toBe('INVALID_INPUT');
      expect(codeOf(() => vlans.ensureRange('x', 20, 10))).toBe('INVALID_INPUT');
      expect(codeOf(() => vlans.allocate('x'))).toBe('NOT_FOUND');
      expect(vlans.allocate('bridge')).toBe(2000);
      expect(vlans.allocate('bridge')).toBe(2001);
      vlans.ensureRange('bridge', 1999, 2003);
      expect(vlans.allocate('bridge')).toBe(1999);
      expect(vlans.allocate('bridge')).toBe(2002);
      vlans.ensureRange('bridge', 2001, 2001);
      expect(codeOf(() => vlans.allocate('bridge'))).toBe('VLAN_EXHAUSTED');
      expect(vlans.release('bridge', 2000)).toBe(true); // outside the new range: not reused
      expect(codeOf(() => vlans.allocate('bridge'))).toBe('VLAN_EXHAUSTED');
      expect(vlans.release('bridge', 2001)).toBe(true);
      expect(vlans.allocate('bridge')).toBe(2001);
      vlans.ensureRange('other', 1, 1);
      expect(vlans.allocate('other')).toBe(1);
    });

    it('persists across reopening the file', async () => {
      expect(vlans.allocate('bridge')).toBe(2000);
      store.close();
      store = await openStore(file());
      const again = new VlanPool(store.db);
      again.ensureRange('bridge', 2000, 2002);
      expect(again.allocate('bridge')).toBe(2001);
    });
  });
});
