// The topology at size, in Chromium: a generated lab of 20 pods and 2,000 floating IPs (built
// through the engine's API by test/bench/scale, cached). Search finds the 1,500th floating IP and
// shows its whole path in view; drilling into a pod and back; exports; the layout kept in the lab.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FloatingIp, Page as ListPage } from '../../shared/model';
import { cachedLab } from '../bench/scale/cache';
import { launchBrowser, openConsole } from './support/browser';
import { ConsolePage } from './support/console-page';
import { startServe, type Serve } from './support/server';

const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
export const SCALE_20 = { pods: 20, ports: 4000, fips: 2000 };

describe('Topology at size (20 pods, 2,000 floating IPs)', () => {
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let ui: ConsolePage;
  let fips: FloatingIp[];

  beforeAll(async () => {
    const lab = await cachedLab(SCALE_20, (l) => console.log(l));
    serve = await startServe({ db: lab.file });
    const list = await serve.call<ListPage<FloatingIp>>('fips.list', { limit: 10_000 });
    if (!list.ok) throw new Error(list.error.message);
    fips = list.value.items;
    browser = await launchBrowser();
    ({ page, errors } = await openConsole(browser, serve.url));
    ui = new ConsolePage(page);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  const canvas = () => ui.byTestId('topology-canvas');
  const settled = async (level: string) => {
    await page.locator(`[data-testid="topology-canvas"][data-level="${level}"][data-layout-state="ready"]`).waitFor({ timeout: 60_000 });
  };

  it('draws the estate: one node per pod, one segment per bridge, links by pod pair', async () => {
    expect(fips.length).toBe(2000);
    await ui.go('topology');
    await settled('estate');
    expect(await page.locator('.react-flow__node-pod').count()).toBe(19);
    // Each of the 20 projects has an N-S bridge and an E-W bridge: 40 segments, each drawn once.
    expect(await page.locator('.react-flow__node-segment').count()).toBe(40);
    expect(await ui.byTestId('topo-totals').textContent()).toBe('20 pods · 104 networks · 20 routers · 2,000 FIPs (1,764 cross-pod, 0 unbound)');
    await page.screenshot({ path: `${SHOTS}topology-estate-20-pods.png` });
  });

  it('finds the 1,500th floating IP: drills in, highlights its whole path and brings it into view', async () => {
    const f = fips[1499];
    await ui.byTestId('topo-search').fill(f.floating_ip_address);
    await ui.byTestId('topo-search-go').click();
    await page.locator(`[data-testid="topology-canvas"][data-highlight="${f.id}"][data-layout-state="ready"]`).waitFor({ timeout: 60_000 });
    expect(await canvas().getAttribute('data-level')).toMatch(/^pod:/);
    const path = await (await serve.call<{ mode: string; hops: { role: string; region: string }[] }>('fips.path', { id: f.id }));
    if (!path.ok) throw new Error(path.error.message);
    // Every hop is drawn highlighted: the external address (or its pod, when that pod is drawn as
    // one node), the bridge address and the VM.
    const hl = await page.locator('.react-flow__node.highlighted').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
    expect(hl).toContain(`vm:${f.port_id}`);
    if (path.value.mode === 'two-step') expect(hl).toContain(`fip:${f.id}:bridge`);
    const extPod = path.value.hops[0].region;
    expect(hl.includes(`fip:${f.id}`) || (await ui.byTestId(`topo-pod-${extPod}`).getAttribute('data-highlighted')) === 'yes').toBe(true);
    expect(await page.locator('.react-flow__edge.highlighted').count()).toBeGreaterThanOrEqual(path.value.hops.length - 1);
    // …and in view: every highlighted node lies inside the canvas.
    const box = (await canvas().boundingBox())!;
    for (const id of hl) {
      const b = (await ui.topoNode(id).boundingBox())!;
      expect(b.x, id).toBeGreaterThanOrEqual(box.x - 1);
      expect(b.y, id).toBeGreaterThanOrEqual(box.y - 1);
      expect(b.x + b.width, id).toBeLessThanOrEqual(box.x + box.width + 1);
      expect(b.y + b.height, id).toBeLessThanOrEqual(box.y + box.height + 1);
    }
    // The details panel of its external hop lists each hop with its bottom ids.
    const hop = ui.topoNode(`vm:${f.port_id}`);
    await hop.click();
    await ui.byTestId('topo-details').waitFor();
    expect(await ui.byTestId('topo-details').getAttribute('data-kind')).toBe('vm');
  });

  it('drills from the estate into one pod and back', async () => {
    await ui.byTestId('topo-crumb-estate').click();
    await settled('estate');
    await ui.byTestId('topo-pod-open-pod-006').click();
    await page.locator('[data-testid="topology-canvas"][data-level^="pod:"][data-layout-state="ready"]').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => location.hash)).toMatch(/^#\/topology\/pod\//);
    expect(await ui.byTestId('topo-level').textContent()).toBe('pod pod-006');
    // The pod is drawn in full: its networks, router and VMs inside it.
    expect(await page.locator('.react-flow__node-router').count()).toBeGreaterThan(0);
    expect(await page.locator('.react-flow__node-vm').count()).toBeGreaterThan(0);
    expect(await ui.byTestId('topo-fip-page').textContent()).toMatch(/^Floating IPs 1–\d+ of [\d,]+/);
    // Fitted so that its names can be read: never below the readable zoom (0.45).
    const scale = await page.locator('.react-flow__viewport').evaluate((e) => new DOMMatrixReadOnly(getComputedStyle(e).transform).a);
    expect(scale).toBeGreaterThanOrEqual(0.45);
    await page.screenshot({ path: `${SHOTS}topology-pod-20-pods.png` });
    await page.goBack();
    await settled('estate');
    expect(await page.locator('.react-flow__node-pod').count()).toBe(19);
  });

  it('exports the view as SVG and PNG, and the topology as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosspod-export-'));
    const grab = async (id: string) => {
      const [d] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), ui.byTestId(id).click()]);
      const file = join(dir, d.suggestedFilename());
      await d.saveAs(file);
      return { name: d.suggestedFilename(), bytes: readFileSync(file) };
    };
    const png = await grab('topo-export-png');
    expect(png.name).toBe('crosspod-topology-estate.png');
    expect(png.bytes.length).toBeGreaterThan(10_000);
    expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svg = await grab('topo-export-svg');
    expect(svg.name).toBe('crosspod-topology-estate.svg');
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { root: doc.documentElement.nodeName, error: doc.getElementsByTagName('parsererror').length, pods: (text.match(/data-testid="topo-pod-pod-\d+"/g) ?? []).length };
    }, svg.bytes.toString('utf8'));
    expect(parsed).toEqual({ root: 'svg', error: 0, pods: 19 });
    const json = JSON.parse((await grab('topo-export-json')).bytes.toString('utf8'));
    expect(json.summary.totals.fips).toBe(2000);
    expect(json.summary.pods.length).toBe(20);
  });

  it('keeps a dragged node where it was put, in the lab, across a reload', async () => {
    const node = ui.topoNode((await page.locator('.react-flow__node-pod').first().getAttribute('data-id'))!);
    const id = (await node.getAttribute('data-id'))!;
    const b = (await node.boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + 12);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2 + 60, b.y + 80, { steps: 8 });
    await page.mouse.up();
    await expect
      .poll(async () => {
        const r = await serve.call<{ state: { positions: Record<string, { x: number; y: number }> } | null }>('view.get', { view: 'topology:estate' });
        return r.ok ? (r.value.state?.positions[id] ?? null) : null;
      }, { timeout: 15_000 })
      .not.toBeNull();
    const before = await node.evaluate((e) => (e as HTMLElement).style.transform);
    await page.reload();
    await page.waitForSelector('html[data-app-state="ready"]');
    await settled('estate');
    expect(await ui.topoNode(id).evaluate((e) => (e as HTMLElement).style.transform)).toBe(before);
    expect(errors).toEqual([]);
  });
});
