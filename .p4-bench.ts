import { Address6, Address4 } from 'ip-address';
import { parseIp, bigIntToIp } from '/work/main/main/engine/ipam/cidr';
let bad = 0;
for (let k = 0; k < 200000; k++) {
  let v = 0n;
  for (let g = 0; g < 8; g++) { const r = Math.random(); v = (v << 16n) | BigInt(r < 0.5 ? 0 : r < 0.6 ? 1 : Math.floor(Math.random() * 65536)); }
  const a = bigIntToIp(v, 6), b = Address6.fromBigInt(v).correctForm();
  if (a !== b) { if (bad++ < 10) console.log('v6', v.toString(16), a, b); }
  const n = Math.floor(Math.random() * 2 ** 32);
  const s4 = Address4.fromInteger(n).correctForm();
  if (parseIp(s4).value !== BigInt(n)) { if (bad++ < 10) console.log('v4', s4); }
}
for (const s of ['0.0.0.0','255.255.255.255','01.0.0.0','1.2.3','1.2.3.4.5','256.0.0.0','1.2.3.04','1.2.3.4 ']) {
  try { console.log(s, parseIp(s).value); } catch (e) { console.log(s, 'ERR', (e as Error).message); }
}
console.log('bad', bad);
const N = 200000;
let t = process.hrtime.bigint();
for (let i = 0; i < N; i++) parseIp('10.15.66.' + (i & 255));
console.log('parseIp v4', Number(process.hrtime.bigint() - t) / 1000 / N);
t = process.hrtime.bigint();
for (let i = 0; i < N; i++) bigIntToIp((1n << 100n) + BigInt(i), 6);
console.log('fmt v6', Number(process.hrtime.bigint() - t) / 1000 / N);
