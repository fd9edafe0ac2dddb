// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../renderer/api';
import type { Transport } from '../../renderer/api/transport';
import { ExternalNetworkForm, NetworkForm, SubnetForm } from '../../renderer/components/forms/NetworkForms';
import { FipForm, PortForm } from '../../renderer/components/forms/L3Forms';
import { PodForm } from '../../renderer/components/forms/PodForm';
import { checkCidr, ipInCidr, isIP } from '../../renderer/components/validate';
import { resetStore, setClient, useApp } from '../../renderer/store';
import { network, pods, port, subnet } from './fixtures';

let call: ReturnType<typeof vi.fn>;

function useFakeEngine(reply: (method: string, input: unknown) => unknown = () => ({ ok: true, value: { id: 'new' } })) {
  call = vi.fn(async (m: string, i: unknown) => {
    if (m.endsWith('.list') || m === 'fips.listWithPaths') return { ok: true, value: { items: [], next_marker: null } };
    return reply(m, i);
  });
  const transport: Transport = { kind: 'custom', call: call as never, subscribe: () => () => {} };
  setClient(createClient(transport));
}

/** Calls other than the list refreshes. */
const mutations = () => call.mock.calls.filter(([m]) => !String(m).endsWith('.list') && m !== 'fips.listWithPaths');

const net1 = network('T-NET1', 'net1', 'proj1', { availability_zone_hints: ['az1'] });
const ext = network('T-EXT', 'ext-net', 'admin', { 'router:external': true, availability_zone_hints: ['Pod2'] });
const sub1 = subnet('T-SUB1', 'T-NET1', '10.0.1.0/24');
const extSub = subnet('T-EXTSUB', 'T-EXT', '162.3.124.0/24', 'admin');

beforeEach(() => {
  resetStore();
  useFakeEngine();
  useApp.setState({
    pods: { items: pods, loaded: true, loading: false, error: null },
    subnets: { items: [sub1, extSub], loaded: true, loading: false, error: null },
  });
});
afterEach(cleanup);

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });
const submit = async (formTestId: string) => {
  await act(async () => {
    fireEvent.submit(screen.getByTestId(formTestId));
  });
};

describe('client-side checks', () => {
  it('parses CIDRs and addresses', () => {
    expect(checkCidr('10.0.1.0/24')).toEqual({ version: 4, base: 0x0a000100, prefix: 24 });
    expect(checkCidr('10.0.1.5/24')).toBe('Host bits are set; did you mean 10.0.1.0/24?');
    expect(checkCidr('10.0.1.0/33')).toMatch(/at most 32/);
    expect(checkCidr('10.0.300.0/24')).toMatch(/CIDR like/);
    expect(checkCidr('fd00::/64')).toMatchObject({ version: 6, prefix: 64 });
    expect(isIP('10.0.1.4')).toBe(true);
    expect(isIP('10.0.1.256')).toBe(false);
    expect(isIP('010.0.1.4')).toBe(false);
    expect(isIP('fe80::1')).toBe(true);
    expect(ipInCidr('10.0.1.255', '10.0.1.0/24')).toBe(true);
    expect(ipInCidr('10.0.2.0', '10.0.1.0/24')).toBe(false);
  });
});

describe('forms validate before calling the API', () => {
  it('subnet: a bad CIDR shows an error and nothing is sent', async () => {
    render(<SubnetForm networks={[net1]} />);
    type('subnet-cidr', '10.0.1.300/24');
    await submit('subnet-form');
    expect(screen.getByTestId('field-error-cidr').textContent).toBe('Enter a CIDR like 10.0.1.0/24');
    type('subnet-cidr', '10.0.1.5/24');
    await submit('subnet-form');
    expect(screen.getByTestId('field-error-cidr').textContent).toBe('Host bits are set; did you mean 10.0.1.0/24?');
    expect(screen.getByTestId('subnet-cidr').getAttribute('aria-invalid')).toBe('true');
    type('subnet-cidr', '');
    await submit('subnet-form');
    expect(screen.getByTestId('field-error-cidr').textContent).toBe('CIDR is required');
    expect(mutations()).toEqual([]);
  });

  it('subnet: a gateway outside the CIDR is refused', async () => {
    render(<SubnetForm networks={[net1]} />);
    type('subnet-cidr', '10.0.1.0/24');
    type('subnet-gateway', '10.0.2.1');
    await submit('subnet-form');
    expect(screen.getByTestId('field-error-gateway_ip').textContent).toBe('10.0.2.1 is not in 10.0.1.0/24');
    expect(mutations()).toEqual([]);
  });

  it('network: a missing name shows an error and nothing is sent', async () => {
    render(<NetworkForm />);
    type('network-project', 'proj1');
    await submit('network-form');
    expect(screen.getByTestId('field-error-name').textContent).toBe('Name is required');
    expect(screen.queryByTestId('field-error-project_id')).toBeNull();
    expect(mutations()).toEqual([]);
  });

  it('port: a bad IP, or one outside the network, shows an error and nothing is sent', async () => {
    render(<PortForm networks={[net1]} />);
    type('port-ip', '10.0.1.999');
    await submit('port-form');
    expect(screen.getByTestId('field-error-ip').textContent).toBe('10.0.1.999 is not an IP address');
    type('port-ip', '10.0.2.4');
    await submit('port-form');
    expect(screen.getByTestId('field-error-ip').textContent).toBe('10.0.2.4 is not in 10.0.1.0/24');
    type('port-ip', '10.0.1.4');
    type('port-mac', 'zz:16:3e:00:01:04');
    await submit('port-form');
    expect(screen.getByTestId('field-error-mac_address')).toBeTruthy();
    expect(mutations()).toEqual([]);
  });

  it('floating IP: an address outside the external subnet is refused', async () => {
    render(<FipForm externals={[ext]} ports={[]} networks={[ext]} />);
    type('fip-address', '162.3.125.5');
    await submit('fip-form');
    expect(screen.getByTestId('field-error-address').textContent).toBe('162.3.125.5 is not in 162.3.124.0/24');
    expect(mutations()).toEqual([]);
  });

  it('external network: bad CIDR and a missing pool end are refused', async () => {
    render(<ExternalNetworkForm />);
    type('external-cidr', '162.3.124/24');
    type('external-pool-start', '162.3.124.10');
    await submit('external-form');
    expect(screen.getByTestId('field-error-cidr').textContent).toBe('Enter a CIDR like 10.0.1.0/24');
    expect(screen.getByTestId('field-error-pool_end').textContent).toBe('Give both ends of the pool');
    expect(mutations()).toEqual([]);
  });

  it('pod: a missing region name, or a neutron pod without its URLs, is refused', async () => {
    render(<PodForm />);
    await submit('pod-form');
    expect(screen.getByTestId('field-error-region_name').textContent).toBe('Region name is required');
    type('pod-region', 'Pod3');
    fireEvent.change(screen.getByTestId('pod-driver'), { target: { value: 'neutron' } });
    type('pod-auth-url', 'not a url');
    await submit('pod-form');
    expect(screen.getByTestId('field-error-auth_url').textContent).toBe('not a url is not a URL');
    expect(screen.getByTestId('field-error-username').textContent).toBe('Username is required');
    expect(mutations()).toEqual([]);
  });
});

describe('forms call the API with contract inputs', () => {
  it('subnet: sends the input, and shows the engine error code where the action was taken', async () => {
    useFakeEngine((m) =>
      m === 'subnets.create' ? { ok: false, error: { code: 'SUBNET_OVERLAP', message: '10.0.1.0/25 overlaps 10.0.1.0/24 on net1', status: 400 } } : { ok: true, value: {} },
    );
    render(<SubnetForm networks={[net1]} />);
    type('subnet-cidr', '10.0.1.0/25');
    await submit('subnet-form');
    await waitFor(() => expect(screen.getByTestId('error-banner')).toBeTruthy());
    expect(mutations()).toEqual([['subnets.create', { network_id: 'T-NET1', cidr: '10.0.1.0/25', enable_dhcp: true, project_id: 'proj1' }]]);
    const banner = screen.getByTestId('error-banner');
    expect(within(banner).getByTestId('error-code').textContent).toBe('SUBNET_OVERLAP');
    expect(within(banner).getByTestId('error-message').textContent).toBe('10.0.1.0/25 overlaps 10.0.1.0/24 on net1');
    // The form keeps its values so the user can correct them.
    expect((screen.getByTestId('subnet-cidr') as HTMLInputElement).value).toBe('10.0.1.0/25');
  });

  it('port: a VM port with its fixed IP on the right subnet', async () => {
    render(<PortForm networks={[net1]} />);
    type('port-ip', '10.0.1.4');
    await submit('port-form');
    await waitFor(() => expect(mutations()).toHaveLength(1));
    expect(mutations()[0]).toEqual([
      'ports.create',
      { network_id: 'T-NET1', device_owner: 'compute:nova', fixed_ips: [{ ip_address: '10.0.1.4', subnet_id: 'T-SUB1' }], project_id: 'proj1' },
    ]);
  });

  it('external network: the network hinted to the pod, then its subnet with DHCP off', async () => {
    render(<ExternalNetworkForm />);
    fireEvent.change(screen.getByTestId('external-pod'), { target: { value: 'Pod2' } });
    type('external-cidr', '162.3.124.0/24');
    await submit('external-form');
    await waitFor(() => expect(mutations()).toHaveLength(2));
    expect(mutations()).toEqual([
      ['networks.create', { name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] }],
      ['subnets.create', { network_id: 'new', cidr: '162.3.124.0/24', name: 'ext-net-subnet', enable_dhcp: false }],
    ]);
  });

  it('floating IP: allocates with an address and associates with a chosen VM port', async () => {
    const vm = port('T-VMPORT', 'T-NET1', '10.0.1.4', 'T-SUB1');
    render(<FipForm externals={[ext]} ports={[vm]} networks={[ext, net1]} />);
    type('fip-address', '162.3.124.5');
    fireEvent.change(screen.getByTestId('fip-port'), { target: { value: 'T-VMPORT' } });
    await submit('fip-form');
    await waitFor(() => expect(mutations()).toHaveLength(1));
    expect(mutations()[0]).toEqual(['fips.create', { floating_network_id: 'T-EXT', floating_ip_address: '162.3.124.5', project_id: 'proj1', port_id: 'T-VMPORT' }]);
  });
});
