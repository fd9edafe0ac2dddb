// Neutron MACs from the pooled random bytes (main/engine/ipam/mac.ts): the base fa:16:3e, two hex
// digits per byte, and fresh bytes across a refill of the pool (4096 bytes, 1365 MACs).
import { describe, expect, it } from 'vitest';
import { randomNeutronMac } from '../../main/engine/ipam/mac';

describe('randomNeutronMac', () => {
  it('gives fa:16:3e plus three random bytes, fresh across pool refills', () => {
    const macs = Array.from({ length: 3000 }, () => randomNeutronMac());
    for (const m of macs) expect(m).toMatch(/^fa:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
    // 3000 draws from 2^24: about 0.27 collisions expected; a reused pool would repeat 1365 apart.
    expect(new Set(macs).size).toBeGreaterThanOrEqual(2995);
    for (let i = 0; i + 1365 < macs.length; i += 97) expect(macs[i + 1365]).not.toBe(macs[i]);
  });
});
