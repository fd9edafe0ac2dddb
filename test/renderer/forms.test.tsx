// @vitest-environment jsdom
// Forms validate with the contract's own zod schemas (react-hook-form), send contract inputs, and
// show the engine's errors where the action was taken.
import { QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExternalNetworkForm, NetworkForm, SubnetForm } from '../../renderer/components/forms/NetworkForms';
import { FipForm, PortForm } from '../../renderer/components/forms/L3Forms';
import { PodForm } from '../../renderer/components/forms/PodForm';
import { createQueryClient } from '../../renderer/data/query';
import { resetStore } from '../../renderer/store';
import { fakeEngine, type Fake } from './fake-engine';
import { network, pods, port, subnet } from './fixtures';
import type { Router } from '../../shared/model';

let fake: Fake;

const net1 = network('T-NET1', 'net1', 'proj1', { availability_zone_hints: ['az1'] });
const net9 = network('T-NET9', 'net9', 'proj2', { availability_zone_hints: ['az1'] });
const ext = network('T-EXT', 'ext-net', 'admin', { 'router:external': true, availability_zone_hints: ['Pod2'] });
const router: Router = {
  id: 'T-R',
  name: 'R',
  project_id: 'proj1',
  tenant_id: 'proj1',
  admin_state_up: true,
  status: 'ACTIVE',
  external_gateway_info: { network_id: 'T-EXT', enable_snat: true, external_fixed_ips: [] },
  routes: [],
  created_at: '',
  updated_at: '',
};

function tables() {
  return {
    pods: [...pods],
    networks: [ext, net1, net9],
    subnets: [subnet('T-SUB1', 'T-NET1', '10.0.1.0/24'), subnet('T-SUB9', 'T-NET9', '10.0.9.0/24', 'proj2')],
    ports: [
      { ...port('T-VMPORT', 'T-NET1', '10.0.1.4', 'T-SUB1'), name: 'vm1' },
      { ...port('T-VM9', 'T-NET9', '10.0.9.4', 'T-SUB9'), name: 'vm9', project_id: 'proj2' },
      { ...port('T-RIF', 'T-NET1', '10.0.1.1', 'T-SUB1', 'network:router_interface'), device_id: 'T-R' },
    ],
    routers: [router],
    fips: [],
  };
}

function show(ui: ReactNode) {
  return render(<QueryClientProvider client={createQueryClient()}>{ui}</QueryClientProvider>);
}

/** Calls other than reads. */
const mutations = () => fake.call.mock.calls.filter(([m]) => !/\.(list|listWithPaths|get|topology)$/.test(String(m)));

beforeEach(() => {
  resetStore();
  fake = fakeEngine(tables());
});
afterEach(cleanup);

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });
const submit = async (formTestId: string) => {
  await act(async () => {
    fireEvent.submit(screen.getByTestId(formTestId));
  });
};

describe('forms check what the contract says before calling the API', () => {
  it('network: a missing name shows an error and nothing is sent', async () => {
    show(<NetworkForm />);
    type('network-project', 'proj1');
    await submit('network-form');
    expect(screen.getByTestId('field-error-name').textContent).toBe('Name is required');
    expect(screen.queryByTestId('field-error-project_id')).toBeNull();
    expect(mutations()).toEqual([]);
  });

  it("port: a MAC address the contract refuses shows the contract's message", async () => {
    show(<PortForm networks={[net1]} />);
    type('port-mac', 'zz:16:3e:00:01:04');
    await submit('port-form');
    expect(screen.getByTestId('field-error-mac_address').textContent).toBe('a MAC address like fa:16:3e:00:01:04');
    expect(screen.getByTestId('port-mac').getAttribute('aria-invalid')).toBe('true');
    expect(mutations()).toEqual([]);
  });

  it('external network: nothing pre-filled that looks like data, and a missing pool end is refused', async () => {
    show(<ExternalNetworkForm />);
    expect((screen.getByTestId('external-name') as HTMLInputElement).value).toBe('');
    expect((screen.getByTestId('external-project') as HTMLInputElement).value).toBe('');
    expect(screen.getByTestId('external-cidr').getAttribute('placeholder')).toBeNull();
    await waitFor(() => expect((screen.getByTestId('external-pod') as HTMLSelectElement).value).toBe('Pod1'));
    type('external-name', 'ext-net');
    type('external-project', 'admin');
    type('external-cidr', '162.3.124.0/24');
    type('external-pool-start', '162.3.124.10');
    await submit('external-form');
    expect(screen.getByTestId('field-error-pool_end').textContent).toBe('Give both ends of the pool');
    expect(mutations()).toEqual([]);
  });

  it('pod: a missing region name, or a neutron pod without its URLs, is refused', async () => {
    show(<PodForm topFirst />);
    expect(screen.getByTestId('pod-region').getAttribute('placeholder')).toBeNull();
    expect(screen.getByTestId('pod-az').getAttribute('placeholder')).toBe('none for the top pod');
    await submit('pod-form');
    expect(screen.getByTestId('field-error-region_name').textContent).toBe('Region name is required');
    type('pod-region', 'Pod3');
    fireEvent.change(screen.getByTestId('pod-driver'), { target: { value: 'neutron' } });
    type('pod-auth-url', 'not a url');
    await submit('pod-form');
    await waitFor(() => expect(screen.getByTestId('field-error-username').textContent).toBe('Username is required'));
    expect(screen.getByTestId('field-error-auth_url').textContent).toBe('Invalid URL');
    expect(mutations()).toEqual([]);
  });
});

describe('forms call the API with contract inputs', () => {
  it('pod: a Keystone pod sends the catalog interface chosen (public by default), and an edit shows the stored one', async () => {
    show(<PodForm />);
    type('pod-region', 'Pod3');
    type('pod-az', 'az3');
    fireEvent.change(screen.getByTestId('pod-driver'), { target: { value: 'neutron' } });
    const iface = screen.getByTestId('pod-interface') as HTMLSelectElement;
    expect([iface.value, [...iface.options].map((o) => o.value)]).toEqual(['public', ['public', 'internal', 'admin']]);
    type('pod-auth-url', 'http://keystone.example:5000/v3');
    type('pod-username', 'crosspod');
    type('pod-project', 'admin');
    type('pod-password', 's3cret');
    type('pod-interface', 'internal');
    await submit('pod-form');
    await waitFor(() => expect(mutations()).toHaveLength(1));
    expect(mutations()).toEqual([
      [
        'pods.create',
        {
          region_name: 'Pod3',
          az_name: 'az3',
          pod_az_name: '',
          dc_name: '',
          driver: 'neutron',
          driver_config: { auth_type: 'password', auth_url: 'http://keystone.example:5000/v3', username: 'crosspod', user_domain_name: 'Default', project_name: 'admin', project_domain_name: 'Default', interface: 'internal', password: 's3cret' },
        },
      ],
    ]);
    cleanup();
    const stored = { ...pods[1], driver: 'neutron' as const, driver_config: { auth_type: 'password' as const, auth_url: 'http://keystone.example:5000/v3', username: 'crosspod', project_name: 'admin', interface: 'admin' as const, has_password: true } };
    show(<PodForm pod={stored as never} />);
    expect((screen.getByTestId('pod-interface') as HTMLSelectElement).value).toBe('admin');
    // noauth has no catalog: no interface field, none sent.
    fireEvent.change(screen.getByTestId('pod-auth-type'), { target: { value: 'noauth' } });
    expect(screen.queryByTestId('pod-interface')).toBeNull();
  });

  it('subnet: sends the input, and shows the engine error code where the action was taken', async () => {
    fake = fakeEngine(tables(), {
      'subnets.create': () => ({ ok: false, error: { code: 'SUBNET_OVERLAP', message: '10.0.1.0/25 overlaps 10.0.1.0/24 on net1', status: 400 } }),
    });
    show(<SubnetForm networks={[net1]} />);
    type('subnet-cidr', '10.0.1.0/25');
    await submit('subnet-form');
    await waitFor(() => expect(screen.getByTestId('error-banner')).toBeTruthy());
    expect(mutations()).toEqual([['subnets.create', { network_id: 'T-NET1', cidr: '10.0.1.0/25', enable_dhcp: true, project_id: 'proj1' }]]);
    const banner = screen.getByTestId('error-banner');
    expect(within(banner).getByTestId('error-code').textContent).toBe('SUBNET_OVERLAP');
    expect(within(banner).getByTestId('error-message').textContent).toBe('10.0.1.0/25 overlaps 10.0.1.0/24 on net1');
    expect((screen.getByTestId('subnet-cidr') as HTMLInputElement).value).toBe('10.0.1.0/25');
  });

  it('port: a VM port with its fixed IP', async () => {
    show(<PortForm networks={[net1]} />);
    type('port-ip', '10.0.1.4');
    await submit('port-form');
    await waitFor(() => expect(mutations()).toHaveLength(1));
    expect(mutations()[0]).toEqual(['ports.create', { network_id: 'T-NET1', device_owner: 'compute:nova', fixed_ips: [{ ip_address: '10.0.1.4' }], project_id: 'proj1' }]);
  });

  it('external network: the network and its subnet in one engine operation', async () => {
    show(<ExternalNetworkForm />);
    await waitFor(() => expect((screen.getByTestId('external-pod') as HTMLSelectElement).options.length).toBe(2));
    fireEvent.change(screen.getByTestId('external-pod'), { target: { value: 'Pod2' } });
    type('external-name', 'ext-net');
    type('external-project', 'admin');
    type('external-cidr', '162.3.124.0/24');
    await submit('external-form');
    await waitFor(() => expect(mutations()).toHaveLength(1));
    expect(mutations()).toEqual([['networks.createExternal', { name: 'ext-net', project_id: 'admin', region_name: 'Pod2', subnet: { cidr: '162.3.124.0/24' } }]]);
  });

  it("floating IP: the port picker disables what cannot work, and the project defaults to the port's, saying so", async () => {
    show(<FipForm externals={[ext]} />);
    const select = screen.getByTestId('fip-port') as HTMLSelectElement;
    await waitFor(() => expect(select.options.length).toBe(3));
    expect([...select.options].map((o) => [o.textContent, o.disabled])).toEqual([
      ['(not associated)', false],
      ['10.0.1.4 · vm1 · net1', false],
      ['10.0.9.4 · vm9 · net9 — no router connects net9 to ext-net', true],
    ]);
    type('fip-address', '162.3.124.5');
    fireEvent.change(select, { target: { value: 'T-VMPORT' } });
    await screen.findByText("Defaults to the port's project: proj1");
    await submit('fip-form');
    await waitFor(() => expect(mutations()).toHaveLength(1));
    expect(mutations()[0]).toEqual(['fips.create', { floating_network_id: 'T-EXT', floating_ip_address: '162.3.124.5', project_id: 'proj1', port_id: 'T-VMPORT' }]);
    // Done: the form is empty again, not associated.
    await waitFor(() => expect((screen.getByTestId('fip-address') as HTMLInputElement).value).toBe(''));
    expect(select.value).toBe('');
  });

  it('floating IP: without a port the project must be given, never a silent "admin"', async () => {
    show(<FipForm externals={[ext]} />);
    await submit('fip-form');
    expect(screen.getByTestId('field-error-project_id').textContent).toBe('Give the project, or choose a port to take its project');
    expect(mutations()).toEqual([]);
  });
});
