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
});
