// Neutron's MAC addresses: its default base fa:16:3e plus three random bytes. The bytes come
// from one pooled buffer refilled 4 KiB at a time: a randomBytes(3) per port cost more than the
// rest of making its MAC.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let at = pool.length;

export function randomNeutronMac(): string {
  if (at + 3 > pool.length) {
    randomFillSync(pool);
    at = 0;
  }
  const hex = (i: number) => pool[at + i].toString(16).padStart(2, '0');
  const mac = `fa:16:3e:${hex(0)}:${hex(1)}:${hex(2)}`;
  at += 3;
  return mac;
}
