// Page object for the Crosspod console: every locator the e2e tests use lives here.
import type { Locator, Page } from 'playwright-core';

export type ViewName = 'overview' | 'labs' | 'pods' | 'external' | 'networks' | 'routers' | 'ports' | 'fips' | 'topology' | 'jobs' | 'routings' | 'audit';

const T = 30_000;

export class ConsolePage {
  constructor(readonly page: Page) {}

  byTestId(id: string, within?: Locator): Locator {
    return (within ?? this.page).locator(`[data-testid="${id}"]`);
  }

  async go(view: ViewName): Promise<Locator> {
    await this.byTestId(`nav-${view}`).click();
    const v = this.byTestId(`view-${view}`);
    await v.waitFor({ timeout: T });
    return v;
  }

  /** Selects the option whose text contains `text`. */
  async choose(select: Locator, text: string): Promise<void> {
    await select.waitFor({ timeout: T });
    const value = await select.evaluate((el, t) => {
      const opt = [...(el as HTMLSelectElement).options].find((o) => o.textContent?.includes(t));
      return opt ? opt.value : null;
    }, text);
    if (value === null) throw new Error(`no option containing ${JSON.stringify(text)}`);
    await select.selectOption(value);
  }

  /** Clicks a submit/action button and waits for its action to finish (busy, then not). */
  async act(button: Locator): Promise<void> {
    await button.click();
    await this.page.waitForFunction(() => document.querySelector('[data-testid="app"]')?.getAttribute('data-busy') === 'false', null, { timeout: T });
  }

  async errorIn(scope: Locator): Promise<{ code: string; message: string } | null> {
    const banner = scope.locator('[data-testid="error-banner"]');
    if (!(await banner.count())) return null;
    return {
      code: (await banner.locator('[data-testid="error-code"]').textContent()) ?? '',
      message: (await banner.locator('[data-testid="error-message"]').textContent()) ?? '',
    };
  }

  async expectNoError(scope: Locator): Promise<void> {
    const e = await this.errorIn(scope);
    if (e) throw new Error(`unexpected error ${e.code}: ${e.message}`);
  }

  // Pods
  async createPod(region: string, az = ''): Promise<Locator> {
    await this.go('pods');
    const form = this.byTestId('pod-form');
    await this.byTestId('pod-region', form).fill(region);
    await this.byTestId('pod-az', form).fill(az);
    await this.act(this.byTestId('pod-submit', form));
    await this.expectNoError(form);
    const row = this.byTestId(`pod-row-${region}`);
    await row.waitFor({ timeout: T });
    return row;
  }

  // Networks
  async createExternalNetwork(o: { name: string; pod: string; cidr: string; project?: string }): Promise<Locator> {
    await this.go('external');
    const form = this.byTestId('external-form');
    await this.byTestId('external-name', form).fill(o.name);
    await this.choose(this.byTestId('external-pod', form), o.pod);
    await this.byTestId('external-project', form).fill(o.project ?? 'admin');
    await this.byTestId('external-cidr', form).fill(o.cidr);
    await this.act(this.byTestId('external-submit', form));
    await this.expectNoError(form);
    const row = this.byTestId(`external-row-${o.name}`);
    await row.waitFor({ timeout: T });
    return row;
  }

  async createNetwork(o: { name: string; project: string; az: string }): Promise<Locator> {
    await this.go('networks');
    const form = this.byTestId('network-form');
    await this.byTestId('network-name', form).fill(o.name);
    await this.byTestId('network-project', form).fill(o.project);
    await this.choose(this.byTestId('network-az', form), o.az);
    await this.act(this.byTestId('network-submit', form));
    await this.expectNoError(form);
    const row = this.byTestId(`network-row-${o.name}`);
    await row.waitFor({ timeout: T });
    return row;
  }

  /** Submits the subnet form; returns the form so callers can read an error. */
  async submitSubnet(o: { network: string; cidr: string }): Promise<Locator> {
    await this.go('networks');
    const form = this.byTestId('subnet-form');
    await this.choose(this.byTestId('subnet-network', form), o.network);
    await this.byTestId('subnet-cidr', form).fill(o.cidr);
    await this.act(this.byTestId('subnet-submit', form));
    return form;
  }

  subnetRows(networkRow: Locator): Locator {
    return networkRow.locator('[data-testid^="subnet-row-"]');
  }

  // Routers
  async createRouter(o: { name: string; project: string }): Promise<Locator> {
    await this.go('routers');
    const form = this.byTestId('router-form');
    await this.byTestId('router-name', form).fill(o.name);
    await this.byTestId('router-project', form).fill(o.project);
    await this.act(this.byTestId('router-submit', form));
    await this.expectNoError(form);
    const row = this.routerRow(o.name);
    await row.waitFor({ timeout: T });
    return row;
  }

  routerRow(name: string): Locator {
    return this.byTestId(`router-row-${name}`);
  }

  async addInterface(router: string, subnetText: string): Promise<void> {
    const row = this.routerRow(router);
    await this.choose(this.byTestId('router-if-subnet', row), subnetText);
    await this.act(this.byTestId('router-if-add', row));
    await this.expectNoError(row);
  }

  async setGateway(router: string, network: string, ip = ''): Promise<void> {
    const row = this.routerRow(router);
    await this.choose(this.byTestId('router-gateway-network', row), network);
    if (ip) await this.byTestId('router-gateway-ip', row).fill(ip);
    await this.act(this.byTestId('router-gateway-set', row));
    await this.expectNoError(row);
    await this.byTestId('router-gateway-info', row).waitFor({ timeout: T });
  }

  // Ports
  async createVmPort(o: { network: string; ip: string; name?: string }): Promise<Locator> {
    await this.go('ports');
    const form = this.byTestId('port-form');
    await this.choose(this.byTestId('port-network', form), o.network);
    await this.byTestId('port-ip', form).fill(o.ip);
    if (o.name) await this.byTestId('port-name', form).fill(o.name);
    await this.act(this.byTestId('port-submit', form));
    await this.expectNoError(form);
    const row = this.byTestId(`port-row-${o.ip}`);
    await row.waitFor({ timeout: T });
    return row;
  }

  // Floating IPs
  async allocateFip(o: { network: string; address: string; portIp?: string; project?: string }): Promise<Locator> {
    await this.go('fips');
    const form = this.byTestId('fip-form');
    await this.choose(this.byTestId('fip-network', form), o.network);
    await this.byTestId('fip-address', form).fill(o.address);
    if (o.project) await this.byTestId('fip-project', form).fill(o.project);
    if (o.portIp) await this.choose(this.byTestId('fip-port', form), o.portIp);
    await this.act(this.byTestId('fip-submit', form));
    await this.expectNoError(form);
    const row = this.fipRow(o.address);
    await row.waitFor({ timeout: T });
    return row;
  }

  fipRow(address: string): Locator {
    return this.byTestId(`fip-row-${address}`);
  }

  /** The texts of a row's hops, in order. */
  async hops(row: Locator): Promise<string[]> {
    return row.locator('[data-testid^="hop-"][data-role]').allTextContents();
  }

  async waitForFipMode(address: string, mode: 'two-step' | 'same-pod' | 'unbound'): Promise<void> {
    await this.page.locator(`[data-testid="fip-row-${address}"][data-mode="${mode}"]`).waitFor({ timeout: T });
  }

  // Topology
  async openTopology(): Promise<Locator> {
    const view = await this.go('topology');
    await this.waitForLayout();
    return view;
  }

  /** Waits for the ELK layout to settle; a failed layout fails the test with its message. */
  async waitForLayout(): Promise<void> {
    const settled = [
      '[data-testid="topology-canvas"][data-layout-state="ready"]',
      '[data-testid="topology-layout-error"]',
      '[data-testid="error-topology-load"]',
      '[data-testid="empty-topology"]',
    ].join(', ');
    try {
      await this.page.locator(settled).first().waitFor({ timeout: 60_000 });
    } catch (e) {
      const state = await this.byTestId('topology-canvas').getAttribute('data-layout-state').catch(() => 'absent');
      throw new Error(`topology did not settle (layout state ${state}): ${(e as Error).message}`);
    }
    for (const id of ['topology-layout-error', 'error-topology-load', 'empty-topology']) {
      const el = this.byTestId(id);
      if (await el.count()) throw new Error(`topology shows ${id}: ${await el.textContent()}`);
    }
  }

  topoNode(id: string): Locator {
    return this.page.locator(`.react-flow__node[data-id="${id}"]`);
  }

  topoEdge(id: string): Locator {
    return this.page.locator(`.react-flow__edge[data-id="${id}"]`);
  }

  async hasClass(l: Locator, cls: string): Promise<boolean> {
    return l.evaluate((el, c) => el.classList.contains(c), cls);
  }
}
