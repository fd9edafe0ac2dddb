// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeEngine, renderApp, type Fake, type Tables } from './fake-engine';
import { fipWithPath, network, pod, pods, port, snapshot, subnet, summaryOf, twoStep, unbound } from './fixtures';
import type { FipPath, Router } from '../../shared/model';

let fake: Fake;

function lab(): Tables {
  const r: Router = {
    id: 'T-R',
    name: 'R',
    project_id: 'proj1',
    tenant_id: 'proj1',
    admin_state_up: true,
    status: 'ACTIVE',
    external_gateway_info: { network_id: 'T-EXT', enable_snat: true, external_fixed_ips: [{ subnet_id: 'T-EXTSUB', ip_address: '162.3.124.2' }] },
    routes: [],
    created_at: '',
    updated_at: '',
  };
  return {
    pods: [...pods],
    networks: [
      network('T-EXT', 'ext-net', 'admin', { 'router:external': true, availability_zone_hints: ['Pod2'] }),
      network('T-NET1', 'net1', 'proj1', { availability_zone_hints: ['az1'] }),
      network('T-NET9', 'net9', 'proj1', { availability_zone_hints: ['az1'] }),
    ],
    subnets: [subnet('T-SUB1', 'T-NET1', '10.0.1.0/24'), subnet('T-SUB9', 'T-NET9', '10.0.9.0/24'), subnet('T-EXTSUB', 'T-EXT', '162.3.124.0/24', 'admin')],
    ports: [
      { ...port('T-VMPORT', 'T-NET1', '10.0.1.4', 'T-SUB1'), name: 'vm1' },
      { ...port('T-VM9', 'T-NET9', '10.0.9.4', 'T-SUB9'), name: 'vm9' },
      { ...port('T-RIF', 'T-NET1', '10.0.1.1', 'T-SUB1', 'network:router_interface'), device_id: 'T-R' },
    ],
    routers: [r],
    fips: [fipWithPath(twoStep, 'T-VMPORT'), fipWithPath(unbound, null)],
    topology: [snapshot as never],
    summary: [summaryOf() as never],
  };
}

beforeEach(async () => {
  localStorage.clear();
  history.replaceState(null, '', '#/overview');
  fake = fakeEngine(lab());
  renderApp();
  await waitFor(() => expect(document.documentElement.dataset.appState).toBe('ready'));
});
afterEach(cleanup);

const openFips = async () => {
  fireEvent.click(screen.getByTestId('nav-fips'));
  return screen.findByTestId('fip-row-162.3.124.5');
};

describe('the console', () => {
  it('marks itself ready and counts tenant resources apart from bridge copies', async () => {
    expect(screen.getByTestId('app').dataset.appState).toBe('ready');
    const pod1 = await screen.findByTestId('pod-card-Pod1');
    // Pod1 holds net1's copy and two bridges (ew and ns): one network, two bridges.
    await waitFor(() => expect(within(pod1).getByTestId('count-networks').textContent).toBe('1'));
    expect(within(pod1).getByTestId('count-bridges').textContent).toBe('2');
    // Its one floating IP is the bridge-side one: no tenant floating IP in Pod1.
    expect(within(pod1).getByTestId('count-fips').textContent).toBe('0');
    const pod2 = screen.getByTestId('pod-card-Pod2');
    expect([within(pod2).getByTestId('count-networks').textContent, within(pod2).getByTestId('count-bridges').textContent, within(pod2).getByTestId('count-fips').textContent]).toEqual(['1', '1', '1']);
  });

  it('lists floating IPs from the server with paths, searches there, and keeps the filter in view state', async () => {
    const row = await openFips();
    expect(within(row).getByTestId('hop-1').textContent).toBe('100.128.0.3 (ns_bridge_net_proj1, VLAN 2017)');
    expect(within(row).getByTestId('hop-chain').closest('td')!.getAttribute('title')).toBe('162.3.124.5 (Pod2) → 100.128.0.3 (ns_bridge_net_proj1, VLAN 2017) → 10.0.1.4 (Pod1)');
    expect(screen.getByTestId('fips-pager-total').textContent).toBe('2');
    expect(location.hash).toBe('#/fips');
    fireEvent.change(screen.getByTestId('fip-search'), { target: { value: '10.0.1.4' } });
    await waitFor(() => expect(screen.queryByTestId('fip-row-162.3.124.9')).toBeNull());
    expect(fake.calls('fips.listWithPaths').at(-1)).toEqual({ search: '10.0.1.4', limit: 50, sort_key: 'floating_ip_address', sort_dir: 'asc' });
    expect(JSON.parse(localStorage.getItem('crosspod.tables')!).state.tables.fips.filters).toEqual({ search: '10.0.1.4' });
  });

  it('release asks first, naming what goes with it; Cancel changes nothing', async () => {
    const row = await openFips();
    fireEvent.click(within(row).getByTestId('fip-release'));
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByTestId('confirm-title').textContent).toBe(
      'Release 162.3.124.5: also frees bridge address 100.128.0.3 in Pod1 and the floating IP in Pod2; 10.0.1.4 (net1) loses its floating IP',
    );
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(fake.calls('fips.delete')).toEqual([]);
  });

  it('release, then Undo from the toast allocates the same address on the same port', async () => {
    const row = await openFips();
    fireEvent.click(within(row).getByTestId('fip-release'));
    await act(async () => {
      fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Release' }));
    });
    await waitFor(() => expect(screen.queryByTestId('fip-row-162.3.124.5')).toBeNull());
    expect(fake.calls('fips.delete')).toEqual([{ id: 'T-FIP' }]);
    const toast = await screen.findByTestId('toast');
    expect(within(toast).getByTestId('toast-message').textContent).toBe('Released 162.3.124.5');
    await act(async () => {
      fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    });
    // The engine's undo of that release, by its audit id: the engine recreates it (test/engine/undo.test.ts).
    await waitFor(() => expect(fake.calls('audit.undo')).toEqual([{ id: 101 }]));
    await waitFor(() => expect(screen.queryByTestId('toast')).toBeNull());
  });

  it('the Audit log offers Undo on the entries the engine can undo, and Undo/Redo of the last action', async () => {
    const row = await openFips();
    await act(async () => {
      fireEvent.click(within(row).getByTestId('fip-disassociate'));
    });
    const at = '2026-12-01T10:00:00.000Z';
    fake.tables.audit = [
      { id: 101, at, actor: 'local', operation: 'fips.disassociate', input_summary: '{"id":"T-FIP"}', result_code: 'OK', resource_ids: ['T-FIP'] },
      { id: 100, at, actor: 'local', operation: 'pods.testConnection', input_summary: '{}', result_code: 'OK', resource_ids: [] },
    ];
    fireEvent.click(screen.getByTestId('nav-audit'));
    const undoable = await screen.findByTestId('audit-row-101');
    expect(within(screen.getByTestId('audit-row-100')).queryByTestId('audit-undo')).toBeNull();
    expect(screen.getByTestId('audit-undo-last').textContent).toBe('Undo fips.disassociate T-FIP');
    expect((screen.getByTestId('audit-redo-last') as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      fireEvent.click(within(undoable).getByTestId('audit-undo'));
    });
    await waitFor(() => expect(fake.calls('audit.undo')).toEqual([{ id: 101 }]));
    // The engine's audit.changed refreshes the undo list: nothing left to undo.
    await waitFor(() => expect(within(screen.getByTestId('audit-row-101')).queryByTestId('audit-undo')).toBeNull());
    expect((screen.getByTestId('audit-undo-last') as HTMLButtonElement).disabled).toBe(true);
  });

  it('bulk release confirms with every address and the bridge addresses it frees', async () => {
    await openFips();
    fireEvent.click(screen.getByTestId('fip-select-all'));
    expect(screen.getByTestId('fip-selected-count').textContent).toBe('2 selected');
    fireEvent.click(screen.getByTestId('fip-bulk-release'));
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByTestId('confirm-title').textContent).toBe('Release 2 floating IPs: 162.3.124.5, 162.3.124.9');
    expect(dialog.textContent).toContain('Also frees 1 bridge address: 100.128.0.3 in Pod1');
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Release 2' }));
    });
    await waitFor(() => expect(fake.calls('fips.delete')).toEqual([{ id: 'T-FIP' }, { id: 'T-FIP3' }]));
    await screen.findByTestId('empty-fips');
  });

  it('disassociate needs no dialog and its Undo associates the same port again', async () => {
    const row = await openFips();
    await act(async () => {
      fireEvent.click(within(row).getByTestId('fip-disassociate'));
    });
    const toast = await screen.findByTestId('toast');
    await act(async () => {
      fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    });
    await waitFor(() => expect(fake.calls('audit.undo')).toEqual([{ id: 101 }]));
  });

  it('clear gateway confirms, and Undo sets the same gateway address back', async () => {
    fireEvent.click(screen.getByTestId('nav-routers'));
    const row = await screen.findByTestId('router-row-R');
    fireEvent.click(await within(row).findByTestId('router-gateway-clear'));
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByTestId('confirm-title').textContent).toBe('Clear the gateway of R: also frees 162.3.124.2 on ext-net');
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Clear gateway' }));
    });
    await waitFor(() => expect(fake.calls('routers.clearGateway')).toEqual([{ id: 'T-R' }]));
    await act(async () => {
      fireEvent.click(within(await screen.findByTestId('toast')).getByRole('button', { name: 'Undo' }));
    });
    await waitFor(() => expect(fake.calls('audit.undo')).toEqual([{ id: 101 }]));
  });

  it('pages on the server with the total, and sorts by address', async () => {
    const many: FipPath[] = Array.from({ length: 120 }, (_, i) => ({
      id: `F${i}`,
      mode: 'unbound',
      hops: [{ role: 'external', address: `162.3.${124 + Math.floor(i / 100)}.${(i % 100) + 10}`, region: 'Pod2', network_id: 'T-EXT', network_name: 'ext-net' }],
    }));
    fake.tables.fips = many.map((p) => fipWithPath(p, null));
    await act(async () => fake.emit({ name: 'fips.changed', ids: [] }));
    await openFipsAny();
    await waitFor(() => expect(screen.getByTestId('fips-pager-total').textContent).toBe('120'));
    expect(document.querySelectorAll('[data-testid^="fip-row-"]').length).toBe(50);
    expect(screen.getByTestId('fips-pager-range').textContent).toBe('1–50 of 120 floating IPs');
    fireEvent.click(screen.getByTestId('fips-pager-next'));
    await waitFor(() => expect(screen.getByTestId('fips-pager-range').textContent).toBe('51–100 of 120 floating IPs'));
    // Sorted as addresses, the 50th row is 162.3.124.59 (F49), not the 50th in text order.
    expect(fake.calls('fips.listWithPaths').at(-1)).toMatchObject({ marker: 'F49' });
    fireEvent.click(screen.getByTestId('sort-fips-floating_ip_address'));
    await waitFor(() => expect(screen.getByTestId('fips-pager-range').textContent).toBe('1–50 of 120 floating IPs'));
    await waitFor(() => expect(document.querySelector('[data-testid^="fip-row-"]')!.getAttribute('data-testid')).toBe('fip-row-162.3.125.29'));
    expect(screen.getByTestId('sort-fips-floating_ip_address').closest('th')!.getAttribute('aria-sort')).toBe('descending');
  });

  it('the associate picker offers what can work and shows the rest disabled with the reason', async () => {
    fake.tables.fips = [fipWithPath(unbound, null)];
    await act(async () => fake.emit({ name: 'fips.changed', ids: [] }));
    fireEvent.click(screen.getByTestId('nav-fips'));
    const row = await screen.findByTestId('fip-row-162.3.124.9');
    fireEvent.click(within(row).getByTestId('fip-associate-open'));
    const select = (await screen.findByTestId('fip-assoc-port')) as HTMLSelectElement;
    await waitFor(() => expect(select.options.length).toBe(2));
    const opts = [...select.options].map((o) => [o.textContent, o.disabled]);
    expect(opts).toEqual([
      ['10.0.1.4 · vm1 · net1', false],
      ['10.0.9.4 · vm9 · net9 — no router connects net9 to ext-net', true],
    ]);
    expect(select.value).toBe('T-VMPORT');
  });

  it('shows an action error in a row of its own under the row, with its code', async () => {
    cleanup();
    fake = fakeEngine(lab(), { 'fips.disassociate': () => ({ ok: false, error: { code: 'POD_UNREACHABLE', message: 'Pod1 did not answer', status: 503 } }) });
    renderApp();
    const row = await openFips();
    await act(async () => {
      fireEvent.click(within(row).getByTestId('fip-disassociate'));
    });
    const banner = await screen.findByTestId('fip-disassociate-error');
    expect(banner.closest('tr')!.previousElementSibling).toBe(row);
    expect(within(banner).getByTestId('error-code').textContent).toBe('POD_UNREACHABLE');
    expect(within(banner).getByTestId('error-message').textContent).toBe('Pod1 did not answer');
    expect(screen.queryByTestId('toast')).toBeNull();
  });

  it('refetches what an event makes stale, and only what is on screen', async () => {
    await openFips();
    const before = fake.calls('fips.listWithPaths').length;
    await act(async () => fake.emit({ name: 'fips.changed', ids: ['T-FIP'] }));
    await waitFor(() => expect(fake.calls('fips.listWithPaths').length).toBe(before + 1));
    await act(async () => fake.emit({ name: 'routings.changed', ids: [] }));
    // The routing table was never opened, so it is not fetched.
    expect(fake.calls('routings.list')).toEqual([]);
  });

  it('navigates with g-shortcuts, opens help with ?, and persists the theme override', async () => {
    fireEvent.keyDown(window, { key: 'g' });
    fireEvent.keyDown(window, { key: 'p' });
    await screen.findByTestId('view-pods');
    fireEvent.keyDown(window, { key: '?' });
    await screen.findByTestId('keyboard-help');
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByTestId('keyboard-help')).toBeNull();
    fireEvent.keyDown(screen.getByTestId('pod-region'), { key: 'g' });
    fireEvent.keyDown(screen.getByTestId('pod-region'), { key: 'f' });
    expect(screen.getByTestId('view-pods')).toBeTruthy();
    fireEvent.change(screen.getByTestId('theme-select'), { target: { value: 'dark' } });
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    expect(localStorage.getItem('crosspod.theme')).toBe('dark');
  });

  it('loads the example lab from the empty state', async () => {
    cleanup();
    fake = fakeEngine({ pods: [] });
    renderApp();
    const empty = await screen.findByTestId('empty-overview');
    await act(async () => {
      fireEvent.click(within(empty).getByTestId('load-example'));
    });
    await waitFor(() => expect(fake.calls('lab.loadExample')).toHaveLength(1));
  });

  it('explains what is still in a pod when it cannot be deleted', async () => {
    cleanup();
    fake = fakeEngine({ ...lab(), pods: [pod('pod-top', 'RegionOne', '', true), pod('pod-1', 'Pod1', 'az1'), pod('pod-2', 'Pod2', 'az2')] }, {
      'pods.delete': () => ({ ok: false, error: { code: 'POD_IN_USE', message: 'Pod Pod1 still holds 2 networks, 1 router', status: 409 } }),
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('nav-pods'));
    const row = await screen.findByTestId('pod-row-Pod1');
    fireEvent.click(within(row).getByTestId('pod-delete'));
    await act(async () => {
      fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Delete pod' }));
    });
    const contents = await screen.findByTestId('pod-contents');
    expect(contents.textContent).toContain('copy of router R: remove its interfaces and gateway in Pod1, or delete the router');
    expect(contents.textContent).toContain("bridge network 100.128.0.0/24 (VLAN 2017): goes with the project's last cross-pod router");
  });
});

async function openFipsAny() {
  fireEvent.click(screen.getByTestId('nav-fips'));
  await screen.findByTestId('fips-table');
}
