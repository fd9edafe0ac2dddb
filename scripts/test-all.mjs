// `npm test`: lint, type-check, then every vitest project (unit, e2e against Debian's Chromium,
// neutron against real Neutron servers). The e2e and neutron setups install their Debian packages
// when they are missing and we are root, or stop with the apt command to run. Ends with one line
// "N passed, N failed" summing every suite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;
let failedSteps = 0;
for (const [name, args] of [
  ['lint', ['eslint', '.']],
  ['typecheck', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
]) {
  console.log(`\n== ${name}`);
  if (run('npx', args) !== 0) {
    console.error(`${name} failed`);
    failedSteps++;
  }
}

const projects = process.env.CROSSPOD_TEST_PROJECTS?.split(',') ?? ['unit', 'e2e', 'neutron'];
const out = mkdtempSync(join(tmpdir(), 'crosspod-results-'));
let passed = 0;
let failed = failedSteps;
for (const p of projects) {
  console.log(`\n== ${p}`);
  const file = join(out, `${p}.json`);
  const status = run('npx', ['vitest', 'run', '--project', p, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`]);
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // A suite that failed to load counts as a failure even when it reported no test.
    if (status !== 0 && r.numFailedTests === 0) failed += Math.max(1, r.numFailedTestSuites);
    if (r.numTotalTests === 0) {
      console.error(`${p}: no test ran`);
      failed++;
    }
  } catch {
    failed++;
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
