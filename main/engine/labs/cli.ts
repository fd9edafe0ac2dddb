// `npm run lab -- list | export <lab|file.db> [out.json] | import <document.json> <name>`, with
// `--data-dir DIR` (default: $CROSSPOD_DATA_DIR, else $XDG_DATA_HOME/crosspod): the labs of the
// data folder from the command line, through the same lab host the console uses.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toErrorBody } from '../../../shared/errors';
import { fileKeySecretBox } from '../secrets/file-key';
import { dataDirLayout, openLabHost, singleFileLayout } from './host';

const USAGE = `usage: npm run lab -- [--data-dir DIR] list
       npm run lab -- [--data-dir DIR] export <lab name | file.db> [out.json]
       npm run lab -- [--data-dir DIR] import <document.json> <new lab name>`;

function dataDir(given: string | undefined, env = process.env): string {
  if (given) return resolve(given);
  if (env.CROSSPOD_DATA_DIR) return resolve(env.CROSSPOD_DATA_DIR);
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'crosspod');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  const [cmd, a, b] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const dir = dataDir(values['data-dir']);
  const secrets = fileKeySecretBox(join(dir, 'secret.key'));
  if (cmd === 'export' && a) {
    // A path to a .db file is that file; anything else is a lab of the data folder.
    const file = a.endsWith('.db') && existsSync(a) ? resolve(a) : null;
    const host = await openLabHost(file ? { ...singleFileLayout(file), engine: { secrets } } : { ...dataDirLayout(dir), initial: a, engine: { secrets } });
    try {
      const { text } = await host.call('labs.export', {});
      if (b) writeFileSync(b, text);
      else process.stdout.write(text);
    } finally {
      await host.close();
    }
    return 0;
  }
  const host = await openLabHost({ ...dataDirLayout(dir), engine: { secrets } });
  try {
    if (cmd === 'list' && !a) {
      const { labs } = await host.call('labs.list', {});
      for (const l of labs) console.log(`${l.name}\t${l.pods} pods\t${l.size_bytes} bytes${l.real_regions.length ? `\treal regions: ${l.real_regions.join(', ')}` : ''}`);
      return 0;
    }
    if (cmd === 'import' && a && b) {
      host.subscribe((e) => {
        if (e.lab_progress) process.stderr.write(`\r${e.lab_progress.step}: ${e.lab_progress.done}/${e.lab_progress.total}   `);
      });
      const t0 = performance.now();
      const lab = await host.call('labs.import', { name: b, document: readFileSync(a, 'utf8'), open: false });
      process.stderr.write('\n');
      console.log(`imported ${lab.name}: ${lab.pods} pods in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
  } finally {
    await host.close();
  }
  console.error(USAGE);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const b = toErrorBody(e);
    console.error(`crosspod lab: ${b.code}: ${b.message}`);
    process.exit(1);
  },
);
