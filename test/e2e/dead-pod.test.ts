// A pod pointed at a closed port (issue 11): the reads that happen anyway (the floating IPs' paths)
// fail for it, and the Overview and the topology show it unreachable since then, without asking
// it again; its hops are marked, the other pod's are not.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openConsole } from './support/browser';
import { ConsolePage } from './support/console-page';
import { startServe, type Serve } from './support/server';

const SHOTS = new URL('./screenshots/', import.meta.url).pathname;

describe('a dead pod', () => {
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let ui: ConsolePage;

  beforeAll(async () => {
    serve = await startServe();
    const ex = await serve.call('lab.loadExample', {});
    if (!ex.ok) throw new Error(ex.error.message);
    const pods = await serve.call<{ items: { pod_id: string; region_name: string }[] }>('pods.list', { region_name: 'Pod1' });
    if (!pods.ok) throw new Error(pods.error.message);
    const up = await serve.call('pods.update', { pod_id: pods.value.items[0].pod_id, driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: 'http://127.0.0.1:1', timeout_ms: 2000 } });
    if (!up.ok) throw new Error(up.error.message);
    browser = await launchBrowser();
    ({ page } = await openConsole(browser, serve.url));
    ui = new ConsolePage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('is not read yet on the Overview, then unreachable since the paths failed to read it', async () => {
    await ui.byTestId('pod-card-Pod1').waitFor();
    await expect.poll(() => ui.byTestId('pod-health', ui.byTestId('pod-card-Pod1')).textContent(), { timeout: 15_000 }).toBe('not read yet');
    await ui.go('fips');
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    await ui.go('overview');
    const health = ui.byTestId('pod-health', ui.byTestId('pod-card-Pod1'));
    await expect.poll(() => health.textContent(), { timeout: 15_000 }).toMatch(/^unreachable since /);
    expect(await health.getAttribute('title')).toMatch(/^POD_UNREACHABLE: Cannot reach http:\/\/127\.0\.0\.1:1\/v2\.0\/\w+: bad port \(last tried /);
    expect(await ui.byTestId('pod-health', ui.byTestId('pod-card-Pod2')).textContent()).toMatch(/^last read /);
  });

  it('greys the pod out on the estate and in its drill-down, its VM hop marked', async () => {
    await ui.go('topology');
    await page.locator('[data-testid="topology-canvas"][data-level="estate"][data-layout-state="ready"]').waitFor({ timeout: 60_000 });
    expect(await ui.byTestId('topo-pod-Pod1').getAttribute('data-health')).toBe('unreachable');
    expect(await ui.byTestId('topo-pod-Pod2').getAttribute('data-health')).toBe('ok');
    await ui.byTestId('topo-pod-unreachable-Pod1').waitFor();
    // Drilled into the dead pod itself: still drawn, from the top, greyed, its VM's hop marked.
    await ui.byTestId('topo-pod-open-Pod1').click();
    await page.locator('[data-testid="topology-canvas"][data-level^="pod:"][data-layout-state="ready"]').waitFor({ timeout: 60_000 });
    expect(await ui.byTestId('topo-pod-Pod1').getAttribute('data-health')).toBe('unreachable');
    expect(await ui.byTestId('topo-pod-Pod2').getAttribute('data-health')).toBe('ok');
    const vm = ui.byTestId('topo-vm-vm1');
    await vm.waitFor();
    expect(await vm.getAttribute('title')).toMatch(/^POD_UNREACHABLE: Cannot reach http:\/\/127\.0\.0\.1:1\//);
    await page.screenshot({ path: `${SHOTS}topology-dead-pod.png` });
  });
});
