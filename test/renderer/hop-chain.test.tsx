// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { HopChain, hopChainText } from '../../renderer/components/HopChain';
import { samePod, twoStep, unbound } from './fixtures';

afterEach(cleanup);

describe('HopChain', () => {
  it('renders a two-step path: external (pod) → bridge (network, VLAN) → fixed (pod)', () => {
    render(<HopChain path={twoStep} />);
    expect(screen.getByTestId('hop-chain').dataset.mode).toBe('two-step');
    expect(screen.getByTestId('hop-0').textContent).toBe('162.3.124.5 (Pod2)');
    expect(screen.getByTestId('hop-1').textContent).toBe('100.128.0.3 (ns_bridge_net_proj1, VLAN 2017)');
    expect(screen.getByTestId('hop-2').textContent).toBe('10.0.1.4 (Pod1)');
    expect(screen.getByTestId('hop-1').dataset.role).toBe('bridge');
    expect(screen.queryByTestId('hop-3')).toBeNull();
    expect(hopChainText(twoStep)).toBe('162.3.124.5 (Pod2) → 100.128.0.3 (ns_bridge_net_proj1, VLAN 2017) → 10.0.1.4 (Pod1)');
  });

  it('renders a same-pod path as one NAT step', () => {
    render(<HopChain path={samePod} />);
    expect(screen.getByTestId('hop-0').textContent).toBe('162.3.125.7 (Pod1)');
    expect(screen.getByTestId('hop-1').textContent).toBe('10.0.1.5 (Pod1)');
    expect(screen.getByTestId('hop-1').dataset.role).toBe('fixed');
    expect(screen.queryByTestId('hop-2')).toBeNull();
    expect(within(screen.getByTestId('hop-chain')).queryByText(/VLAN/)).toBeNull();
  });

  it('renders an unbound floating IP as its external address alone', () => {
    render(<HopChain path={unbound} />);
    expect(screen.getByTestId('hop-chain').dataset.mode).toBe('unbound');
    expect(screen.getByTestId('hop-0').textContent).toBe('162.3.124.9 (Pod2)');
    expect(screen.queryByTestId('hop-1')).toBeNull();
    expect(screen.getByTestId('hop-unbound').textContent).toBe('not associated');
  });

  it('marks the hops of a pod that did not answer, and says how old the reading is', () => {
    const path = {
      ...twoStep,
      observed_at: '2026-12-01T10:00:00.000Z',
      hops: twoStep.hops.map((h, i) => (i === 2 ? { ...h, error: { code: 'POD_TIMEOUT', message: 'Pod1 did not answer within 5000 ms' } } : h)),
    };
    render(<HopChain path={path} now={Date.parse('2026-12-01T10:00:42.000Z')} />);
    expect(screen.getByTestId('hop-2').dataset.unreachable).toBe('POD_TIMEOUT');
    expect(screen.getByTestId('hop-2').textContent).toBe('⚠ 10.0.1.4 (Pod1)');
    expect(screen.getByTestId('hop-2').title).toBe('fixed address on net1 in Pod1 — Pod1 unreachable: POD_TIMEOUT Pod1 did not answer within 5000 ms');
    expect(screen.getByTestId('hop-0').dataset.unreachable).toBeUndefined();
    expect(screen.getByTestId('hop-chain').title).toBe('162.3.124.5 (Pod2) → 100.128.0.3 (ns_bridge_net_proj1, VLAN 2017) → 10.0.1.4 (Pod1)\nread from the pods 42 s ago');
  });
});
