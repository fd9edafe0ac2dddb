// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/App';
import { createClient } from '../../renderer/api';
import type { Transport } from '../../renderer/api/transport';
import { handleEvent, resetStore, setClient, useApp } from '../../renderer/store';
import { fipWithPath, network, pods, snapshot, twoStep, unbound } from './fixtures';

let call: ReturnType<typeof vi.fn>;
let fips = [fipWithPath(twoStep, 'T-VMPORT'), fipWithPath(unbound, null)];
const page = <T,>(items: T[]) => ({ ok: true, value: { items, next_marker: null } });

function engine(overrides: Record<string, (input: unknown) => unknown> = {}) {
  call = vi.fn(async (m: string, input: unknown) => {
    if (overrides[m]) return overrides[m](input);
    switch (m) {
      case 'pods.list':
        return page(pods);
      case 'networks.list':
        return page([network('T-EXT', 'ext-net', 'admin', { 'router:external': true, availability_zone_hints: ['Pod2'] }), network('T-NET1', 'net1', 'proj1', { availability_zone_hints: ['az1'] })]);
      case 'fips.listWithPaths':
        return page(fips);
      case 'lab.topology':
        return { ok: true, value: snapshot };
      case 'fips.delete':
      case 'fips.disassociate':
        return { ok: true, value: { id: (input as { id: string }).id } };
      default:
        return m.endsWith('.list') ? page([]) : { ok: true, value: {} };
    }
  });
  const t: Transport = { kind: 'custom', call: call as never, subscribe: () => () => {} };
  setClient(createClient(t));
}

const calls = (method: string) => call.mock.calls.filter(([m]) => m === method);

beforeEach(async () => {
  localStorage.clear();
  history.replaceState(null, '', '#/overview');
  fips = [fipWithPath(twoStep, 'T-VMPORT'), fipWithPath(unbound, null)];
  resetStore();
  engine();
  render(<App />);
  await act(() => useApp.getState().bootstrap());
});
afterEach(cleanup);

describe('the console', () => {
  it('marks itself ready and shows pods with their bottom counts', async () => {
    expect(document.documentElement.dataset.appState).toBe('ready');
    expect(screen.getByTestId('app').dataset.appState).toBe('ready');
    const pod2 = await screen.findByTestId('pod-card-Pod2');
    await waitFor(() => expect(within(pod2).getByTestId('count-networks').textContent).toBe('2'));
    expect(within(pod2).getByTestId('count-fips').textContent).toBe('1');
  });

  it('lists floating IPs with their paths, filters them, and releases a selection in bulk', async () => {
    fireEvent.click(screen.getByTestId('nav-fips'));
    const row = await screen.findByTestId('fip-row-162.3.124.5');
    expect(within(row).getByTestId('hop-1').textContent).toBe('100.128.0.3 (ns_bridge_net_proj1, VLAN 2017)');
    expect(within(screen.getByTestId('fip-row-162.3.124.9')).queryByTestId('hop-1')).toBeNull();
    expect(location.hash).toBe('#/fips');

    fireEvent.change(screen.getByTestId('fip-search'), { target: { value: '10.0.1.4' } });
    expect(screen.queryByTestId('fip-row-162.3.124.9')).toBeNull();
    fireEvent.change(screen.getByTestId('fip-search'), { target: { value: '' } });
    fireEvent.change(screen.getByTestId('fip-filter-pod'), { target: { value: 'Pod1' } });
    expect(screen.getByTestId('fip-row-162.3.124.5')).toBeTruthy();
    expect(screen.queryByTestId('fip-row-162.3.124.9')).toBeNull();
    fireEvent.change(screen.getByTestId('fip-filter-pod'), { target: { value: '' } });

    fireEvent.click(screen.getByTestId('fip-select-all'));
    expect(screen.getByTestId('fip-selected-count').textContent).toBe('2 selected');
    fips = [];
    await act(async () => {
      fireEvent.click(screen.getByTestId('fip-bulk-release'));
    });
    await waitFor(() => expect(calls('fips.delete').map(([, i]) => i)).toEqual([{ id: 'T-FIP' }, { id: 'T-FIP3' }]));
    await screen.findByTestId('empty-fips');
  });

  it('shows an action error on the row where it was taken, with its code', async () => {
    engine({ 'fips.disassociate': () => ({ ok: false, error: { code: 'POD_UNREACHABLE', message: 'Pod1 did not answer', status: 503 } }) });
    fireEvent.click(screen.getByTestId('nav-fips'));
    const row = await screen.findByTestId('fip-row-162.3.124.5');
    await act(async () => {
      fireEvent.click(within(row).getByTestId('fip-disassociate'));
    });
    const banner = await within(row).findByTestId('fip-disassociate-error');
    expect(within(banner).getByTestId('error-code').textContent).toBe('POD_UNREACHABLE');
    expect(within(banner).getByTestId('error-message').textContent).toBe('Pod1 did not answer');
    expect(within(screen.getByTestId('fip-row-162.3.124.9')).queryByRole('alert')).toBeNull();
  });

  it('refetches what an event makes stale', async () => {
    const before = calls('fips.listWithPaths').length;
    await act(() => handleEvent({ name: 'fips.changed', ids: ['T-FIP'] }));
    expect(calls('fips.listWithPaths').length).toBe(before + 1);
    const routings = calls('routings.list').length;
    await act(() => handleEvent({ name: 'routings.changed', ids: [] }));
    // The routing table was never opened, so it is not fetched.
    expect(calls('routings.list').length).toBe(routings);
  });

  it('navigates with g-shortcuts, opens help with ?, and persists the theme override', async () => {
    fireEvent.keyDown(window, { key: 'g' });
    fireEvent.keyDown(window, { key: 'p' });
    await screen.findByTestId('view-pods');
    fireEvent.keyDown(window, { key: '?' });
    await screen.findByTestId('keyboard-help');
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByTestId('keyboard-help')).toBeNull();
    // Typing in a field is not a shortcut.
    fireEvent.keyDown(screen.getByTestId('pod-region'), { key: 'g' });
    fireEvent.keyDown(screen.getByTestId('pod-region'), { key: 'f' });
    expect(screen.getByTestId('view-pods')).toBeTruthy();

    fireEvent.change(screen.getByTestId('theme-select'), { target: { value: 'dark' } });
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    expect(localStorage.getItem('crosspod.theme')).toBe('dark');
  });

  it('loads the example lab from the empty state', async () => {
    cleanup();
    resetStore();
    engine({ 'pods.list': () => page([]) });
    render(<App />);
    await act(() => useApp.getState().bootstrap());
    const empty = await screen.findByTestId('empty-overview');
    await act(async () => {
      fireEvent.click(within(empty).getByTestId('load-example'));
    });
    await waitFor(() => expect(calls('lab.loadExample')).toHaveLength(1));
  });
});
