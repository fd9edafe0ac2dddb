// The console's tables and destructive actions in Chromium: release asks first and can be undone
// from the toast; the floating-IP view on 2,000 floating IPs pages on the server (≤ 300 rows in
// the DOM), shows the total and sorts by address; a 1024 px screenshot of every table.
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openConsole } from './support/browser';
import { ConsolePage } from './support/console-page';
import { startServe, type Serve } from './support/server';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const T = 30_000;

describe('tables and destructive actions', () => {
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let ui: ConsolePage;

  async function ok<T>(method: string, input: unknown): Promise<T> {
    const r = await serve.call<T>(method, input);
    if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  beforeAll(async () => {
    serve = await startServe();
    await ok('lab.loadExample', {});
    browser = await launchBrowser();
    ({ page, errors } = await openConsole(browser, serve.url));
    ui = new ConsolePage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('release asks first, naming what goes with it, and Undo from the toast brings the hop chain back', async () => {
    await ui.go('fips');
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    const before = await ui.hops(ui.fipRow('162.3.124.5'));
    expect([before.length, before[0], before[2]]).toEqual([3, '162.3.124.5 (Pod2)', '10.0.1.4 (Pod1)']);
    expect(before[1]).toMatch(/^100\.128\.0\.\d+ \(ns_bridge_net_proj1, VLAN \d+\)$/);
    await ui.byTestId('fip-release', ui.fipRow('162.3.124.5')).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor({ timeout: T });
    const bridge = before[1].split(' ')[0];
    expect(await ui.byTestId('confirm-title', dialog).textContent()).toBe(`Release 162.3.124.5: also frees bridge address ${bridge} in Pod1 and the floating IP in Pod2; 10.0.1.4 (net1) loses its floating IP`);
    // Cancel first: nothing happens.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await ok<{ total: number }>('fips.list', { floating_ip_address: '162.3.124.5' })).total).toBe(1);
    await ui.byTestId('fip-release', ui.fipRow('162.3.124.5')).click();
    await ui.act(page.getByRole('alertdialog').getByRole('button', { name: 'Release' }));
    await ui.fipRow('162.3.124.5').waitFor({ state: 'detached', timeout: T });
    expect((await ok<{ total: number }>('fips.list', { floating_ip_address: '162.3.124.5' })).total).toBe(0);
    const toast = ui.byTestId('toast');
    expect(await ui.byTestId('toast-message', toast).textContent()).toBe('Released 162.3.124.5');
    await ui.act(toast.getByRole('button', { name: 'Undo' }));
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    expect(await ui.hops(ui.fipRow('162.3.124.5'))).toEqual(before);
  });

  it('the floating-IP view on 2,000 floating IPs keeps at most 300 rows in the DOM, shows the total and sorts by address', async () => {
    const ext = await ok<{ network: { id: string } }>('networks.createExternal', { name: 'ext-big', project_id: 'admin', region_name: 'Pod2', subnet: { cidr: '172.16.0.0/21' } });
    await ok('quotas.update', { project_id: 'proj1', floatingip: -1 });
    // Off the floating-IP view while 2,000 events arrive.
    await ui.go('pods');
    // 2,000 more, created in a scrambled order so the insertion order is not the address order.
    const hosts = Array.from({ length: 2000 }, (_, i) => (i * 1031) % 2000);
    for (const h of hosts) {
      await ok('fips.create', { floating_network_id: ext.network.id, floating_ip_address: `172.16.${Math.floor((h + 2) / 256)}.${(h + 2) % 256}`, project_id: 'proj1' });
    }
    await page.reload();
    await ui.go('fips');
    await page.waitForFunction(() => document.querySelector('[data-testid="fips-pager-total"]')?.textContent === '2,001', null, { timeout: T });
    const rows = await page.locator('[data-testid^="fip-row-"]').count();
    expect(rows).toBe(50);
    expect(await page.locator('tr').count()).toBeLessThanOrEqual(300);
    // Sorted by address by default: 162.3.124.5 first, then 172.16.0.2, .3, … as numbers.
    const first = async (n: number) => (await page.locator('[data-testid^="fip-row-"] strong.mono').allTextContents()).slice(0, n);
    expect(await first(4)).toEqual(['162.3.124.5', '172.16.0.2', '172.16.0.3', '172.16.0.4']);
    await ui.byTestId('sort-fips-floating_ip_address').click();
    await page.waitForFunction(() => document.querySelector('[data-testid^="fip-row-"] strong.mono')?.textContent === '172.16.7.209', null, { timeout: T });
    expect(await first(3)).toEqual(['172.16.7.209', '172.16.7.208', '172.16.7.207']);
    await ui.byTestId('fips-pager-next').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="fips-pager-range"]')?.textContent === '51–100 of 2,001 floating IPs', null, { timeout: T });
    expect((await first(1))[0]).toBe('172.16.7.159');
    await ui.byTestId('sort-fips-floating_ip_address').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="fips-pager-page"]')?.textContent === 'page 1', null, { timeout: T });
  });

  it('takes a 1024 px wide screenshot of every table', async () => {
    await page.setViewportSize({ width: 1024, height: 760 });
    const tables: [view: Parameters<ConsolePage['go']>[0], table: string][] = [
      ['fips', 'fips-table'],
      ['ports', 'ports-table'],
      ['networks', 'network-table'],
      ['external', 'external-table'],
      ['routers', 'routers-table'],
      ['routings', 'routings-table'],
      ['jobs', 'jobs-table'],
      ['audit', 'audit-table'],
    ];
    for (const [view, table] of tables) {
      await ui.go(view);
      if (view === 'ports') await ui.byTestId('ports-vm-only').uncheck();
      if (view === 'networks') await ui.byTestId('networks-show-bridges').check();
      const t = ui.byTestId(table);
      await t.waitFor({ timeout: T });
      await t.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}table-${view}.png` });
      // The row actions fit: the table is no wider than the page.
      const { tw, mw } = await page.evaluate((id) => ({ tw: document.querySelector(`[data-testid="${id}"]`)!.getBoundingClientRect().right, mw: document.querySelector('.app-main')!.getBoundingClientRect().right }), table);
      expect(tw, `${table} fits at 1024 px`).toBeLessThanOrEqual(mw + 1);
    }
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
