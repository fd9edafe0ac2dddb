// "Load example lab" builds §12 in one click; plus keyboard navigation and the theme override.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openConsole } from './support/browser';
import { ConsolePage } from './support/console-page';
import { startServe, type Serve } from './support/server';

describe('Load example lab', () => {
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let ui: ConsolePage;

  beforeAll(async () => {
    serve = await startServe();
    browser = await launchBrowser();
    ({ page, errors } = await openConsole(browser, serve.url));
    ui = new ConsolePage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('builds the worked example in one click', async () => {
    const button = ui.byTestId('empty-overview').locator('[data-testid="load-example"]');
    await ui.act(button);
    await ui.expectNoError(ui.byTestId('view-overview'));
    for (const region of ['RegionOne', 'Pod1', 'Pod2']) await ui.byTestId(`pod-card-${region}`).waitFor();
    // The cards appear before every count has refreshed: wait for the count, never sleep.
    await expect.poll(() => ui.byTestId('count-fips', ui.byTestId('pod-card-Pod2')).textContent(), { timeout: 15_000 }).toBe('1');
  });

  it('shows the two-step path of 162.3.124.5 on the floating-IP view (keyboard: g f)', async () => {
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('g');
    await page.keyboard.press('f');
    await ui.byTestId('view-fips').waitFor();
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    const hops = await ui.hops(ui.fipRow('162.3.124.5'));
    expect(hops[0]).toBe('162.3.124.5 (Pod2)');
    expect(hops[1]).toMatch(/^100\.128\.0\.3 \(ns_bridge_net_proj1, VLAN \d+\)$/);
    expect(hops[2]).toBe('10.0.1.4 (Pod1)');
  });

  it('draws the estate, drills into router R and collapses a pod to its counts', async () => {
    await page.keyboard.press('g');
    await page.keyboard.press('t');
    await ui.byTestId('view-topology').waitFor();
    await ui.waitForLayout();
    // The estate: both pods with their counts, the N-S bridge as one segment between them.
    expect(await ui.byTestId('topo-pod-counts-Pod1').textContent()).toBe('3 networks · 1 routers · 1 FIPs');
    await ui.byTestId('topo-segment-ns_bridge_net_proj1').waitFor();
    await ui.byTestId('topo-search').fill('R');
    await ui.byTestId('topo-search-go').click();
    await page.locator('[data-testid="topology-canvas"][data-level^="router:"][data-layout-state="ready"]').waitFor();
    await ui.byTestId('topo-pod-toggle-Pod1').click();
    await ui.byTestId('topo-pod-counts-Pod1').waitFor();
    // Collapsed pods are kept in the lab.
    await page.reload();
    await page.waitForSelector('html[data-app-state="ready"]');
    await ui.byTestId('view-topology').waitFor();
    await ui.byTestId('topo-pod-counts-Pod1').waitFor();
    await ui.byTestId('topo-pod-toggle-Pod1').click();
    await ui.byTestId('topo-pod-counts-Pod1').waitFor({ state: 'detached' });
    await ui.waitForLayout();
  });

  it('keeps a dragged node where it was put, per lab, across reloads', async () => {
    const node = page.locator('.react-flow__node-router').first();
    const id = await node.getAttribute('data-id');
    const before = await node.evaluate((el) => (el as HTMLElement).style.transform);
    const box = (await node.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2 + 40, { steps: 8 });
    await page.mouse.up();
    const moved = await node.evaluate((el) => (el as HTMLElement).style.transform);
    expect(moved).not.toBe(before);
    // Saved in the lab (view.set) once the drag ends.
    await expect.poll(async () => {
      const r = await serve.call<{ state: { positions: Record<string, unknown> } | null }>('view.get', { view: `topology:${(await page.locator('[data-testid="topology-canvas"]').getAttribute('data-level'))!}` });
      return r.ok && !!r.value.state?.positions[id!];
    }).toBe(true);
    await page.reload();
    await page.waitForSelector('html[data-app-state="ready"]');
    await ui.waitForLayout();
    const again = page.locator(`.react-flow__node[data-id="${id}"]`);
    expect(await again.evaluate((el) => (el as HTMLElement).style.transform)).toBe(moved);
    await ui.byTestId('topo-relayout').click();
    await page.waitForFunction(
      ([sel, t]) => (document.querySelector(sel) as HTMLElement | null)?.style.transform !== t,
      [`.react-flow__node[data-id="${id}"]`, moved] as const,
    );
  });

  it('opens keyboard help with ? and closes it with Escape', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('?');
    await ui.byTestId('keyboard-help').waitFor();
    await page.keyboard.press('Escape');
    await ui.byTestId('keyboard-help').waitFor({ state: 'detached' });
  });

  it('follows the system theme and keeps an override across reloads', async () => {
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await ui.byTestId('theme-select').selectOption('dark');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.reload();
    await page.waitForSelector('html[data-app-state="ready"]');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await ui.byTestId('theme-select').selectOption('system');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
  });

  it('lists the routing table with pagination and filters', async () => {
    const view = await ui.go('routings');
    await ui.byTestId('routings-table', view).waitFor();
    const total = (await serve.call<{ total: number }>('routings.list', { limit: 1 })) as { ok: true; value: { total: number } };
    await page.waitForFunction((n) => document.querySelector('[data-testid="routings-pager-total"]')?.textContent === String(n), total.value.total);
    // The top resource is named (router R), its UUID one click away.
    expect(await page.locator('[data-testid="routing-top"] .id-label').allTextContents()).toContain('R');
    await ui.byTestId('routings-pager-limit').selectOption('10');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="routing-row-"]').length === 10);
    await ui.byTestId('routings-pager-next').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="routings-pager-page"]')?.textContent === 'page 2');
    await ui.byTestId('routings-filter-type').selectOption('router');
    await page.waitForFunction(() => document.querySelector('[data-testid="routings-pager-page"]')?.textContent === 'page 1');
    const types = await page.locator('[data-testid^="routing-row-"] td:nth-child(2)').allTextContents();
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['router']));
  });

  it('shows changes made by another client (engine events)', async () => {
    await ui.go('fips');
    const row = ui.fipRow('162.3.124.5');
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    const id = (await row.getAttribute('data-fip-id'))!;
    const r = await serve.call('fips.disassociate', { id });
    expect(r.ok).toBe(true);
    await ui.waitForFipMode('162.3.124.5', 'unbound');
    expect(await ui.hops(row)).toEqual(['162.3.124.5 (Pod2)']);
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
