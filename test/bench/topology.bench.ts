// The topology in Chromium (playwright-core, Debian's /usr/bin/chromium) on three labs side by
// side: the example lab, 20 pods / 2,000 floating IPs and 100 pods / 100,000 ports / 20,000
// floating IPs (both built through the engine's API by test/bench/scale, cached). Per lab:
// - first painted node: from navigation to #/topology until a node is in the DOM and two frames
//   have passed (app start, the summary, the layout and React Flow's first paint);
// - pan: frames per second while the estate is dragged for ~1.5 s (requestAnimationFrame count;
//   the median of three drags), and the renderer's main-thread time per frame (CDP TaskDuration);
// - highlight: from "Find" on one floating IP's address to its path drawn highlighted (the drill
//   into its pod, that pod's detail, its layout and the highlight);
// - the engine's topology.summary on the same lab (median of 15, in this process).
// Targets: first paint < 1 s at 20 pods and < 2 s at 100 pods; pan ≥ 30 fps. Prints, asserts nothing.
// TOPO_BENCH_LABS=example,20 limits the labs; TOPO_BENCH_SHOTS=<dir> saves each estate as
// topology-estate-<lab>.png there (test/e2e/screenshots keeps the 100-pod one).
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createEngine } from '../../main/engine';
import type { FloatingIp, Page as ListPage } from '../../shared/model';
import setupE2e from '../e2e/global-setup';
import { launchBrowser } from '../e2e/support/browser';
import { startServe } from '../e2e/support/server';
import { cachedLab } from './scale/cache';

interface Figures {
  lab: string;
  firstPaint: number;
  nodes: number;
  panFps: number;
  panWorstFrame: number;
  panMainMs: number;
  highlight: number;
  summary: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function exampleLab(): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'crosspod-topo-bench-')), 'example.db');
  const e = await createEngine({ dbPath: file });
  await e.api['lab.loadExample']({});
  await e.idle();
  await e.close();
  return file;
}

async function summaryMs(file: string): Promise<number> {
  const copy = join(mkdtempSync(join(tmpdir(), 'crosspod-topo-bench-')), 'lab.db');
  const { copyFileSync } = await import('node:fs');
  copyFileSync(file, copy);
  const e = await createEngine({ dbPath: copy });
  await e.api['topology.summary']({});
  const xs: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    await e.api['topology.summary']({});
    xs.push(performance.now() - t);
  }
  await e.close();
  return median(xs);
}

async function measure(browser: Browser, lab: string, file: string, shot: string): Promise<Figures> {
  const serve = await startServe({ db: file });
  try {
    const list = await serve.call<ListPage<FloatingIp>>('fips.list', { limit: 10_000 });
    if (!list.ok) throw new Error(list.error.message);
    const fips = list.value.items;
    const target = fips[Math.min(fips.length - 1, 1499)];
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    // The first page load trades the token for a cookie; measure the second, as a user reopening it.
    await page.goto(`${serve.url}#/topology`);
    await page.locator('[data-testid="topology-canvas"][data-layout-state="ready"]').waitFor({ timeout: 120_000 });
    const n0 = Date.now();
    await page.goto(`${serve.origin}/#/topology`, { waitUntil: 'commit' });
    // Polled in the page: the first node in the DOM, then two frames for it to be painted.
    await page.waitForSelector('.react-flow__node', { state: 'attached', timeout: 120_000 });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const firstPaint = Date.now() - n0;
    await page.locator('[data-testid="topology-canvas"][data-layout-state="ready"]').waitFor({ timeout: 120_000 });
    const nodes = await page.locator('.react-flow__node').count();
    if (process.env.TOPO_BENCH_SHOTS) await page.screenshot({ path: join(process.env.TOPO_BENCH_SHOTS, `topology-estate-${shot}.png`) });

    // Pan: drag the empty pane for ~1.5 s while counting frames, three times (the median), with
    // the renderer's main-thread time per frame from Chromium's own counters (less hostage to the
    // machine's load than the frame rate).
    const box = (await page.locator('.react-flow__pane').boundingBox())!;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const busy = async () => {
      const m = (await cdp.send('Performance.getMetrics')).metrics;
      return m.find((x) => x.name === 'TaskDuration')!.value * 1000;
    };
    const pans: { fps: number; worst: number; mainMs: number }[] = [];
    for (let run = 0; run < 3; run++) {
      // A string, so the bundler's helpers (__name) do not leak into the page.
      await page.evaluate(`(() => {
        window.__frames = [];
        window.__stop = false;
        const tick = (t) => { window.__frames.push(t); if (!window.__stop) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
      })()`);
      const x0 = box.x + box.width / 2;
      const y0 = box.y + box.height / 2;
      await page.mouse.move(x0, y0);
      const b0 = await busy();
      await page.mouse.down();
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 < 1500; i++) await page.mouse.move(x0 + 200 * Math.sin(i / 8), y0 + 120 * Math.cos(i / 8));
      await page.mouse.up();
      const frames = (await page.evaluate('(() => { window.__stop = true; return window.__frames; })()')) as number[];
      const b1 = await busy();
      const span = frames[frames.length - 1] - frames[0];
      let worst = 0;
      for (let i = 1; i < frames.length; i++) worst = Math.max(worst, frames[i] - frames[i - 1]);
      pans.push({ fps: ((frames.length - 1) / span) * 1000, worst, mainMs: (b1 - b0) / (frames.length - 1) });
    }
    const pan = [...pans].sort((a, b) => a.fps - b.fps)[1];
    const panFps = pan.fps;
    const worst = pan.worst;
    const panMainMs = pan.mainMs;

    // Highlight one floating IP's path, found by address.
    await page.locator('[data-testid="topo-search"]').fill(target.floating_ip_address);
    const h0 = Date.now();
    await page.locator('[data-testid="topo-search-go"]').click();
    await page.locator(`[data-testid="topology-canvas"][data-highlight="${target.id}"][data-layout-state="ready"]`).waitFor({ timeout: 120_000 });
    await page.locator('.react-flow__node.highlighted').first().waitFor({ timeout: 120_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const highlight = Date.now() - h0;
    await context.close();
    return { lab, firstPaint, nodes, panFps, panWorstFrame: worst, panMainMs, highlight, summary: await summaryMs(file) };
  } finally {
    await serve.stop();
  }
}

export async function run(): Promise<void> {
  const want = (process.env.TOPO_BENCH_LABS ?? 'example,20,100').split(',');
  setupE2e();
  const labs: [string, string, () => Promise<string>][] = [];
  if (want.includes('example')) labs.push(['example (3 pods, 1 FIP)', 'example', exampleLab]);
  if (want.includes('20')) labs.push(['20 pods, 2,000 FIPs', '20-pods', async () => (await cachedLab({ pods: 20, ports: 4000, fips: 2000 }, console.log)).file]);
  if (want.includes('100')) labs.push(['100 pods, 100k ports, 20k FIPs', '100-pods', async () => (await cachedLab({ pods: 100, ports: 100_000, fips: 20_000 }, console.log)).file]);
  const browser = await launchBrowser();
  const out: Figures[] = [];
  try {
    for (const [name, shot, make] of labs) {
      const file = await make();
      out.push(await measure(browser, name, file, shot));
    }
  } finally {
    await browser.close();
  }
  const r = (x: number, d = 0) => x.toFixed(d);
  const col = (f: (x: Figures) => string) => out.map(f);
  const rows: [string, string[], string][] = [
    ['nodes drawn (estate)', col((x) => String(x.nodes)), ''],
    ['first painted node, ms', col((x) => r(x.firstPaint)), '< 1000 (20 pods), < 2000 (100 pods)'],
    ['pan, frames/s', col((x) => r(x.panFps, 1)), '≥ 30'],
    ['pan, worst frame, ms', col((x) => r(x.panWorstFrame)), ''],
    ['pan, renderer main thread per frame, ms', col((x) => r(x.panMainMs, 1)), '≤ 33 leaves room for 30 fps'],
    ['highlight one FIP (search → drawn), ms', col((x) => r(x.highlight)), ''],
    ['engine topology.summary, ms (median of 15)', col((x) => r(x.summary, 1)), '< 50 (100 pods)'],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const ws = out.map((x, i) => Math.max(x.lab.length, ...rows.map((row) => row[1][i].length)));
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`${''.padEnd(w0)} | ${out.map((x, i) => x.lab.padStart(ws[i])).join(' | ')} | target`);
  for (const [name, vals, target] of rows) console.log(`${name.padEnd(w0)} | ${vals.map((v, i) => v.padStart(ws[i])).join(' | ')} | ${target}`);
}
