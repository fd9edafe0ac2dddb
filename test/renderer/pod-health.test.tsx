// @vitest-environment jsdom
// The Overview's pod health comes from topology.summary (the engine's observed reads, issue 11):
// "unreachable since …" or "last read …", with no lab.topology and no connection check. The
// Floating IPs view filters by the pod a path touches, on the server (issue 13).
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeEngine, listOf, renderApp, type Fake, type Tables } from './fake-engine';
import { fipWithPath, network, podReads, pods, port, subnet, summaryOf, twoStep, unbound } from './fixtures';
import { when } from '../../renderer/views/common';

let fake: Fake;
const SINCE = '2026-03-01T10:00:00.000Z';
const TRIED = '2026-03-01T10:05:00.000Z';
const READ = '2026-03-01T10:04:00.000Z';

function lab(): Tables {
  return {
    pods: [...pods],
    networks: [network('T-EXT', 'ext-net', 'admin', { 'router:external': true, availability_zone_hints: ['Pod2'] }), network('T-NET1', 'net1', 'proj1', { availability_zone_hints: ['az1'] })],
    subnets: [subnet('T-SUB1', 'T-NET1', '10.0.1.0/24')],
    ports: [{ ...port('T-VMPORT', 'T-NET1', '10.0.1.4', 'T-SUB1'), name: 'vm1' }],
    routers: [],
    fips: [fipWithPath(twoStep, 'T-VMPORT'), fipWithPath(unbound, null)],
    summary: [
      summaryOf({
        'pod-1': { status: 'unreachable', reads: podReads({ status: 'failing', failing_since: SINCE, last_error: { code: 'POD_UNREACHABLE', message: 'Cannot reach http://127.0.0.1:1/v2.0/ports', at: TRIED } }) },
        'pod-2': { reads: podReads({ status: 'ok', last_ok_at: READ }) },
      }) as never,
    ],
  };
}

beforeEach(async () => {
  localStorage.clear();
  history.replaceState(null, '', '#/overview');
  const tables = lab();
  fake = fakeEngine(tables, {
    // The server's filter: the two-step floating IP touches Pod1 (its VM) and Pod2 (its external network).
    'fips.listWithPaths': ({ touches_pod, ...rest }) => {
      const rows = (tables.fips ?? []).filter((f) => !touches_pod || touches_pod === 'pod-2' || (touches_pod === 'pod-1' && f.port_id));
      return { ok: true, value: listOf(rows, rest) };
    },
  });
  renderApp();
  await waitFor(() => expect(document.documentElement.dataset.appState).toBe('ready'));
});
afterEach(cleanup);

describe('pod health on the Overview', () => {
  it('says since when a pod is unreachable and when another was last read, from the summary alone', async () => {
    const pod1 = await screen.findByTestId('pod-card-Pod1');
    await waitFor(() => expect(within(pod1).getByTestId('pod-health').textContent).toBe(`unreachable since ${when(SINCE)}`));
    const h1 = within(pod1).getByTestId('pod-health');
    expect([h1.dataset.tone, h1.getAttribute('title')]).toEqual(['bad', `POD_UNREACHABLE: Cannot reach http://127.0.0.1:1/v2.0/ports (last tried ${when(TRIED)})`]);
    const h2 = within(screen.getByTestId('pod-card-Pod2')).getByTestId('pod-health');
    expect([h2.textContent, h2.dataset.tone]).toEqual([`last read ${when(READ)}`, 'ok']);
    // Counts from the summary: tenant networks apart from bridge copies.
    expect(within(pod1).getByTestId('count-networks').textContent).toBe('1');
    expect(within(pod1).getByTestId('count-bridges').textContent).toBe('2');
    expect(fake.calls('lab.topology')).toEqual([]);
    expect(fake.calls('pods.testConnection')).toEqual([]);
  });
});

describe('the Floating IPs view', () => {
  it('filters by the pod a path touches, on the server, and keeps the filter', async () => {
    fireEvent.click(screen.getByTestId('nav-fips'));
    await screen.findByTestId('fip-row-162.3.124.9');
    const select = screen.getByTestId('fip-filter-pod') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['any pod', 'Pod1', 'Pod2']);
    fireEvent.change(select, { target: { value: 'pod-1' } });
    await waitFor(() => expect(screen.queryByTestId('fip-row-162.3.124.9')).toBeNull());
    expect(screen.getByTestId('fip-row-162.3.124.5')).toBeTruthy();
    expect(fake.calls('fips.listWithPaths').at(-1)).toEqual({ touches_pod: 'pod-1', limit: 50, sort_key: 'floating_ip_address', sort_dir: 'asc' });
    expect(JSON.parse(localStorage.getItem('crosspod.tables')!).state.tables.fips.filters).toEqual({ touches_pod: 'pod-1' });
  });
});
