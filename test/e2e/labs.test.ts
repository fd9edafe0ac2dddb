// Labs in Chromium: two labs, something built in one and the example in the other, switching back
// and forth, one exported and imported as a third with the same hop chain and layout, and undo and
// redo of a release. The server serves a data folder of labs (`--data-dir`).
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openConsole } from './support/browser';
import { ConsolePage } from './support/console-page';
import { startServe, type Serve } from './support/server';

const T = 60_000;

describe('labs', () => {
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let ui: ConsolePage;
  const ok = async <V>(method: string, input: unknown = {}): Promise<V> => {
    const r = await serve.call<V>(method, input);
    if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
    return r.value;
  };
  const currentLab = () => ui.byTestId('current-lab').textContent();
  const open = async (name: string) => {
    await ui.go('labs');
    await ui.act(ui.byTestId('lab-open', ui.byTestId(`lab-row-${name}`)));
    await expect.poll(currentLab, { timeout: T }).toBe(`Lab: ${name}`);
  };

  beforeAll(async () => {
    serve = await startServe({ labs: true });
    browser = await launchBrowser();
    ({ page, errors } = await openConsole(browser, serve.url));
    ui = new ConsolePage(page);
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('creates two labs: one built by hand, one from the gallery with its progress', async () => {
    await ui.go('labs');
    const form = ui.byTestId('lab-create-form');
    await ui.byTestId('lab-create-form-name', form).fill('alpha');
    await ui.act(ui.byTestId('lab-create-form-submit', form));
    await expect.poll(currentLab, { timeout: T }).toBe('Lab: alpha');
    await ui.createPod('RegionOne');
    await ui.createPod('Pod1', 'az1');
    await ui.go('labs');
    await ui.act(ui.byTestId('gallery-create', ui.byTestId('gallery-worked-example')));
    await expect.poll(currentLab, { timeout: T }).toBe('Lab: worked-example');
    await ui.go('fips');
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    await page.screenshot({ path: 'test/e2e/screenshots/labs-fips.png' });
  });

  it('switches back and forth, and every view follows', async () => {
    await open('alpha');
    await ui.go('pods');
    expect(await ui.byTestId('pods-table').locator('tbody tr[data-pod-id]').count()).toBe(2);
    await ui.go('fips');
    await ui.byTestId('empty-fips').waitFor({ timeout: T });
    await open('worked-example');
    await ui.go('fips');
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    await ui.go('labs');
    expect(await ui.byTestId('lab-current', ui.byTestId('lab-row-worked-example')).count()).toBe(1);
    await page.screenshot({ path: 'test/e2e/screenshots/labs.png' });
  });

  it('exports a lab and imports it as a third, with the same hop chain and the same layout', async () => {
    // A layout of the estate kept with the lab (what dragging a node stores).
    const layout = { positions: { 'pod:Pod1': { x: 120, y: 40 }, 'pod:Pod2': { x: 560, y: 40 } }, collapsed: [] };
    await ok('view.set', { view: 'topology:estate', state: layout });
    await ui.go('fips');
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    const hops = await ui.hops(ui.fipRow('162.3.124.5'));
    await ui.go('labs');
    const [download] = await Promise.all([page.waitForEvent('download'), ui.byTestId('lab-export', ui.byTestId('lab-row-worked-example')).click()]);
    expect(download.suggestedFilename()).toBe('worked-example.crosspod-lab.json');
    const file = await download.path();
    const text = readFileSync(file, 'utf8');
    expect(text).toBe((await ok<{ text: string }>('labs.export', { name: 'worked-example' })).text);
    await ui.byTestId('lab-import-file').setInputFiles(file);
    await ui.byTestId('lab-import-name').fill('gamma');
    await ui.act(ui.byTestId('lab-import-submit'));
    await expect.poll(currentLab, { timeout: T }).toBe('Lab: gamma');
    await ui.go('fips');
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    expect(await ui.hops(ui.fipRow('162.3.124.5'))).toEqual(hops);
    expect((await ok<{ state: unknown }>('view.get', { view: 'topology:estate' })).state).toMatchObject(layout);
    expect((await ok<{ text: string }>('labs.export', { name: 'gamma' })).text).toBe(text);
  });

  it('undoes and redoes a release', async () => {
    const before = await ui.hops(ui.fipRow('162.3.124.5'));
    await ui.byTestId('fip-release', ui.fipRow('162.3.124.5')).click();
    await ui.act(page.getByRole('alertdialog').getByRole('button', { name: 'Release' }));
    await ui.fipRow('162.3.124.5').waitFor({ state: 'detached', timeout: T });
    await ui.act(ui.byTestId('toast').getByRole('button', { name: 'Undo' }));
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    expect(await ui.hops(ui.fipRow('162.3.124.5'))).toEqual(before);
    await ui.go('audit');
    const redo = ui.byTestId('audit-redo-last');
    await expect.poll(() => redo.textContent(), { timeout: T }).toBe('Redo release 162.3.124.5');
    await ui.act(redo);
    expect((await ok<{ total: number }>('fips.list', { floating_ip_address: '162.3.124.5' })).total).toBe(0);
    const undo = ui.byTestId('audit-undo-last');
    await expect.poll(() => undo.textContent(), { timeout: T }).toBe('Undo release 162.3.124.5');
    await page.screenshot({ path: 'test/e2e/screenshots/audit-undo.png' });
    await ui.act(undo);
    await ui.go('fips');
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    expect(await ui.hops(ui.fipRow('162.3.124.5'))).toEqual(before);
    expect(errors).toEqual([]);
  });
});
