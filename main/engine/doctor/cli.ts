// `npm run doctor -- --db FILE [--repair] [--json]`: the doctor on a Crosspod database, without
// the console. Prints the findings as a table (or JSON); with --repair applies every repair and
// prints what is left. Exit code 0 when clean, 1 when findings remain, 2 on a usage error.
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DoctorFinding, RepairResult } from '../../../shared/contract';
import { toErrorBody } from '../../../shared/errors';
import { createEngine } from '../index';
import { fileKeySecretBox } from '../secrets/file-key';

const USAGE = 'usage: npm run doctor -- --db FILE [--repair] [--json]';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

function formatFindings(findings: DoctorFinding[]): string {
  if (findings.length === 0) return 'No drift: the bottoms match the top.';
  const rows = [['ID', 'KIND', 'POD', 'TYPE', 'DETAIL / REPAIR']];
  for (const f of findings) {
    rows.push([f.id, f.kind, f.pod?.region_name ?? '-', f.resource_type, f.detail]);
    rows.push(['', '', '', '', `-> ${f.repair.text}`]);
  }
  return `${table(rows)}\n${findings.length} finding${findings.length === 1 ? '' : 's'}.`;
}

function formatResults(results: RepairResult[]): string {
  if (results.length === 0) return 'Nothing to repair.';
  return table([['ID', 'KIND', 'STATUS', 'MESSAGE'], ...results.map((r) => [r.id, r.kind, r.status, r.message])]);
}

async function main(): Promise<number> {
  let values: { db?: string; repair?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: { db: { type: 'string' }, repair: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
    if (!values.help && !values.db) throw new Error('--db FILE is required');
  } catch (e) {
    console.error(`crosspod doctor: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const db = resolve(values.db!);
  const engine = await createEngine({ dbPath: db, secrets: fileKeySecretBox(join(dirname(db), 'secret.key')) });
  try {
    let results: RepairResult[] | undefined;
    if (values.repair) {
      results = (await engine.call('doctor.repair', { all: true }, { actor: 'cli' })).results;
      await engine.idle();
    }
    const { findings } = await engine.api['doctor.run']({});
    if (values.json) console.log(JSON.stringify(results ? { results, findings } : { findings }, null, 2));
    else {
      if (results) console.log(`Repairs:\n${formatResults(results)}\n\nAfter the repairs:`);
      console.log(formatFindings(findings));
    }
    return findings.length === 0 ? 0 : 1;
  } finally {
    await engine.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    const b = toErrorBody(e);
    console.error(`crosspod doctor: ${b.code}: ${b.message}`);
    process.exit(2);
  },
);
