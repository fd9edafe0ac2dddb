// Labs: building the gallery's 20-pod demo (2,000 floating IPs) from its document, through the
// engine's own operations, as `labs.create { example: 'demo-20-pods' }` does; then exporting it
// and re-importing the export. `npm run bench -- labs`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirLayout, openLabHost } from '../../main/engine/labs/host';

/** What the console's progress bar is allowed to take, beside which the figure is printed. */
const LIMITS = { create: 120, export: 5, import: 120 };

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-bench-labs-'));
  const host = await openLabHost(dataDirLayout(dir));
  try {
    let last = 0;
    host.subscribe((e) => {
      const p = e.lab_progress;
      if (p && performance.now() - last > 5000) {
        last = performance.now();
        console.log(`  ${p.step}: ${p.done}/${p.total}`);
      }
    });
    let t = performance.now();
    const lab = await host.call('labs.create', { name: 'demo', example: 'demo-20-pods' });
    const create = (performance.now() - t) / 1000;
    const fips = (await host.call('fips.list', { limit: 1 })).items.length;
    console.log(`labs.create demo-20-pods: ${create.toFixed(1)} s (limit ${LIMITS.create} s): ${lab.pods} pods, ${fips ? 'floating IPs present' : 'NO floating IPs'}, file ${(lab.size_bytes / 2 ** 20).toFixed(1)} MiB`);
    t = performance.now();
    const out = await host.call('labs.export', {});
    const exp = (performance.now() - t) / 1000;
    console.log(`labs.export: ${exp.toFixed(2)} s (limit ${LIMITS.export} s): ${(out.text.length / 1024).toFixed(0)} KiB, ${out.document.floating_ips?.length} floating IPs`);
    t = performance.now();
    await host.call('labs.import', { name: 'copy', document: out.text, open: false });
    const imp = (performance.now() - t) / 1000;
    const again = await host.call('labs.export', { name: 'copy' });
    console.log(`labs.import of the export: ${imp.toFixed(1)} s (limit ${LIMITS.import} s); export again ${again.text === out.text ? 'byte-identical' : 'DIFFERENT'}`);
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
