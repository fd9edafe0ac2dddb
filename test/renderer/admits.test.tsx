// @vitest-environment jsdom
// The floating IP's "admits" badge: open, closed, some prefixes, unknown, and open because the VM
// port has port security off (no group filters it).
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Admits, admitsText } from '../../renderer/components/Admits';

afterEach(cleanup);

const rule = { id: 'r1', security_group_id: 'g1', security_group_name: 'web', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0', anywhere: true };

describe('Admits', () => {
  it('says open when port security is off, and why', () => {
    render(<Admits admits={{ ingress: true, rules: [], port_security_enabled: false }} />);
    const badge = screen.getByTestId('fip-admits');
    expect([badge.textContent, badge.getAttribute('data-ingress'), badge.getAttribute('title')]).toEqual(['inbound open', 'true', 'open: port security is off on the VM port, so no security group filters it']);
  });

  it('names the rules, says closed without any, and unknown on an error', () => {
    expect(admitsText({ ingress: true, rules: [rule] })).toBe('tcp 22 from anywhere (web)');
    expect(admitsText({ ingress: false, rules: [] })).toBe('closed: no ingress rule admits outside traffic');
    expect(admitsText({ ingress: false, rules: [], error: { code: 'POD_UNREACHABLE', message: 'down' } })).toBe('unknown (POD_UNREACHABLE)');
  });
});
