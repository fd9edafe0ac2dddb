// The reference's worked example (§12), built click by click through the console.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openConsole } from './support/browser';
import { ConsolePage } from './support/console-page';
import { startServe, type Serve } from './support/server';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

describe('cross-pod floating IP, through the UI', () => {
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let ui: ConsolePage;
  let fipId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    serve = await startServe();
    browser = await launchBrowser();
    ({ page, errors } = await openConsole(browser, serve.url));
    ui = new ConsolePage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('starts empty and says what to do next', async () => {
    await ui.byTestId('empty-overview').waitFor();
    expect(await ui.byTestId('load-example').count()).toBeGreaterThan(0);
  });

  it('creates the top pod RegionOne, Pod1 (az1) and Pod2 (az2)', async () => {
    const top = await ui.createPod('RegionOne');
    expect(await top.textContent()).toContain('top');
    await ui.createPod('Pod1', 'az1');
    await ui.createPod('Pod2', 'az2');
    expect(await ui.byTestId('pods-table').locator('tbody tr[data-pod-id]').count()).toBe(3);
  });

  it('creates ext-net in Pod2 with 162.3.124.0/24', async () => {
    const row = await ui.createExternalNetwork({ name: 'ext-net', pod: 'Pod2', cidr: '162.3.124.0/24' });
    expect(await row.textContent()).toContain('Pod2');
    await ui.byTestId('subnet-row-162.3.124.0/24', row).waitFor();
  });

  it('creates net1 in az1 for proj1 with 10.0.1.0/24', async () => {
    const row = await ui.createNetwork({ name: 'net1', project: 'proj1', az: 'az1' });
    expect(await row.textContent()).toContain('Pod1');
    const form = await ui.submitSubnet({ network: 'net1', cidr: '10.0.1.0/24' });
    await ui.expectNoError(form);
    await ui.byTestId('subnet-row-10.0.1.0/24', row).waitFor();
  });

  it('creates a router, adds the interface on net1 and sets the gateway on ext-net', async () => {
    await ui.createRouter({ name: 'router1', project: 'proj1' });
    await ui.addInterface('router1', '10.0.1.0/24');
    const row = ui.routerRow('router1');
    await ui.byTestId('router-if-row-10.0.1.0/24', row).waitFor();
    expect(await ui.byTestId('router-if-row-10.0.1.0/24', row).textContent()).toContain('10.0.1.1');
    await ui.setGateway('router1', 'ext-net', '162.3.124.2');
    expect(await ui.byTestId('router-gateway-info', row).textContent()).toContain('162.3.124.2');
  });

  it('creates a VM port at 10.0.1.4 and floating IP 162.3.124.5 associated with it', async () => {
    const port = await ui.createVmPort({ network: 'net1', ip: '10.0.1.4', name: 'vm1' });
    expect(await port.textContent()).toContain('compute:nova');
    const row = await ui.allocateFip({ network: 'ext-net', address: '162.3.124.5', portIp: '10.0.1.4' });
    await ui.waitForFipMode('162.3.124.5', 'two-step');
    fipId = (await row.getAttribute('data-fip-id')) ?? '';
    expect(fipId).not.toBe('');
  });

  it("shows the floating IP's three hops: 162.3.124.5 (Pod2) → 100.128.0.3 (ns_bridge_net_proj1, VLAN n) → 10.0.1.4 (Pod1)", async () => {
    const row = ui.fipRow('162.3.124.5');
    const hops = await ui.hops(row);
    expect(hops).toHaveLength(3);
    expect(hops[0]).toBe('162.3.124.5 (Pod2)');
    expect(hops[1]).toMatch(/^100\.128\.0\.3 \(ns_bridge_net_proj1, VLAN \d+\)$/);
    expect(hops[2]).toBe('10.0.1.4 (Pod1)');
    expect(await ui.byTestId('hop-0', row).getAttribute('data-role')).toBe('external');
    expect(await ui.byTestId('hop-1', row).getAttribute('data-role')).toBe('bridge');
    expect(await ui.byTestId('hop-2', row).getAttribute('data-role')).toBe('fixed');
    // The VLAN shown is the bridge network's own.
    const vlan = Number(/VLAN (\d+)/.exec(hops[1])![1]);
    expect(vlan).toBeGreaterThanOrEqual(2001);
    expect(vlan).toBeLessThanOrEqual(3000);
    await page.screenshot({ path: `${SHOTS}fip-view.png`, fullPage: true });
  });

  it('finds the floating IP on the topology and highlights its whole path', async () => {
    await ui.openTopology();
    for (const pod of ['Pod1', 'Pod2']) await ui.byTestId(`topo-pod-${pod}`).waitFor();
    await ui.byTestId('topo-search').fill('162.3.124.5');
    await ui.byTestId('topo-search-go').click();
    await page.locator(`[data-testid="topology-canvas"][data-highlight="${fipId}"][data-layout-state="ready"]`).waitFor();
    // Found on the estate: Pod2 (where it enters), Pod1 (its VM) and the N-S bridge between them.
    expect(await ui.byTestId('topo-level').textContent()).toBe('Estate');
    expect(await page.locator('.react-flow__node.highlighted').evaluateAll((els) => els.map((e) => e.querySelector('strong')!.textContent).sort())).toEqual(['Pod1', 'Pod2', 'ns_bridge_net_proj1']);
    // The rest is dimmed by the canvas's class.
    expect(await ui.hasClass(ui.byTestId('topology-canvas'), 'has-highlight')).toBe(true);
    expect(await page.locator('.react-flow__node:not(.highlighted)').first().evaluate((e) => getComputedStyle(e).opacity)).toBe('0.35');
    expect(await ui.byTestId('topo-details-hops').locator('li').count()).toBe(3);
    // In full in the VM's pod (Pod1); Pod2, where the floating IP enters, is drawn as one node.
    await ui.byTestId('topo-details-open').click();
    await page.locator(`[data-testid="topology-canvas"][data-level^="pod:"][data-highlight="${fipId}"][data-layout-state="ready"]`).waitFor();
    expect(await ui.byTestId('topo-level').textContent()).toBe('pod Pod1');
    const hl = await page.locator('.react-flow__node.highlighted').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!).sort());
    expect(hl.filter((id) => id.startsWith('fip:'))).toEqual([`fip:${fipId}:bridge`]);
    expect(hl.filter((id) => id.startsWith('vm:')).length).toBe(1);
    expect(await ui.byTestId('topo-pod-Pod2').getAttribute('data-highlighted')).toBe('yes');
    // The N-S bridge is one segment, highlighted once; Pod1's router does the second DNAT step.
    expect(await page.locator('.react-flow__node-segment.highlighted [data-testid="topo-segment-ns_bridge_net_proj1"]').count()).toBe(1);
    expect(await page.locator('.react-flow__node-router.highlighted').count()).toBe(1);
    expect(await ui.hasClass(ui.topoEdge(`e:nat:${fipId}:1`), 'highlighted')).toBe(true);
    // The router in full: both pods open, both DNAT steps and both routers on the path.
    await ui.byTestId('topo-search').fill('router1');
    await ui.byTestId('topo-search-go').click();
    await page.locator('[data-testid="topology-canvas"][data-level^="router:"][data-layout-state="ready"]').waitFor();
    await ui.topoNode(`fip:${fipId}`).click();
    await page.locator(`[data-testid="topology-canvas"][data-highlight="${fipId}"]`).waitFor();
    for (const id of [`fip:${fipId}`, `fip:${fipId}:bridge`]) expect(await ui.hasClass(ui.topoNode(id), 'highlighted'), id).toBe(true);
    for (const id of [`e:nat:${fipId}:0`, `e:nat:${fipId}:1`]) expect(await ui.hasClass(ui.topoEdge(id), 'highlighted'), id).toBe(true);
    expect(await page.locator('.react-flow__node-router.highlighted').count()).toBe(2);
    // The details panel lists each hop with its bottom ids.
    await ui.byTestId('topo-details-hops').waitFor();
    expect(await ui.byTestId('topo-details-hops').locator('li').count()).toBe(3);
    await page.screenshot({ path: `${SHOTS}topology.png` });
    // Clicking the background clears the highlight.
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.locator('[data-testid="topology-canvas"][data-highlight=""]').waitFor();
  });

  it('disassociates: the bridge hop is gone', async () => {
    await ui.go('fips');
    const row = ui.fipRow('162.3.124.5');
    await ui.act(ui.byTestId('fip-disassociate', row));
    await ui.expectNoError(row);
    await ui.waitForFipMode('162.3.124.5', 'unbound');
    const hops = await ui.hops(row);
    expect(hops).toEqual(['162.3.124.5 (Pod2)']);
    expect(await ui.byTestId('hop-1', row).count()).toBe(0);
    expect(await row.textContent()).not.toContain('100.128.0.3');
  });

  it('refuses an overlapping subnet with SUBNET_OVERLAP, shown where it was tried, and changes nothing', async () => {
    const before = await serve.call<{ items: { cidr: string }[] }>('subnets.list', {});
    const form = await ui.submitSubnet({ network: 'net1', cidr: '10.0.1.0/25' });
    const err = await ui.errorIn(form);
    expect(err?.code).toBe('SUBNET_OVERLAP');
    expect(err?.message).not.toBe('');
    const netRow = ui.byTestId('network-row-net1');
    expect(await ui.subnetRows(netRow).allTextContents()).toHaveLength(1);
    expect(await ui.byTestId('subnet-row-10.0.1.0/25').count()).toBe(0);
    const after = await serve.call<{ items: { cidr: string }[] }>('subnets.list', {});
    expect(after).toEqual(before);
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
