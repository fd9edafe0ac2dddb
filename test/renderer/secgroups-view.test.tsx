// @vitest-environment jsdom
// The Security groups view against a real engine on lab pods: the default group and its rules,
// a group created with the form (the contract's schema), a rule added and deleted with
// confirmation, a refusal shown where it was taken, and a group deleted.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfirmDialog } from '../../renderer/components/Dialogs';
import { QueryClientProvider } from '@tanstack/react-query';
import { queryClient } from '../../renderer/data/query';
import { SecurityGroups } from '../../renderer/views/SecurityGroups';
import { newEngine, type TestEngine } from '../engine/support/engine';
import { connectEngine } from './real-engine';

let t: TestEngine | undefined;
afterEach(async () => {
  cleanup();
  await t?.close();
  t = undefined;
});

describe('Security groups view', () => {
  it('shows groups and rules, creates a group and a rule, refuses a duplicate, deletes with confirmation', async () => {
    t = await newEngine();
    const e = t.engine;
    await e.call('lab.loadExample', {});
    await e.idle();
    connectEngine(e);
    render(
      <QueryClientProvider client={queryClient}>
        <SecurityGroups />
        <ConfirmDialog />
      </QueryClientProvider>,
    );
    const row = await screen.findByTestId('secgroup-row-default');
    expect((within(row).getByTestId('secgroup-delete') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(row).getByTestId('secgroup-rules-toggle'));
    const rules = () => within(screen.getByTestId('secgroup-rules')).getAllByTestId('secgroup-rule').map((li) => li.querySelector('code')!.textContent);
    expect(rules().sort()).toEqual(['egress IPv4 any to anywhere', 'egress IPv6 any to anywhere', 'ingress IPv4 any from members of default', 'ingress IPv6 any from members of default']);

    // A new group through the form: the name is required by the form, the project prefilled.
    fireEvent.click(screen.getByTestId('secgroup-submit'));
    expect((await screen.findByTestId('field-error-name')).textContent).toBe('Name is required');
    fireEvent.change(screen.getByTestId('secgroup-name'), { target: { value: 'web' } });
    fireEvent.change(screen.getByTestId('secgroup-project'), { target: { value: 'proj1' } });
    fireEvent.click(screen.getByTestId('secgroup-submit'));
    const web = await screen.findByTestId('secgroup-row-web');
    expect(within(web).getByTestId('secgroup-rules-toggle').textContent).toBe('2 rules');

    // ssh from anywhere, added to web; the same rule again is refused where it was asked.
    fireEvent.click(within(web).getByTestId('secgroup-rules-toggle'));
    const form = await screen.findByTestId('secgroup-rule-form');
    fireEvent.change(within(form).getByTestId('rule-port-min'), { target: { value: '22' } });
    fireEvent.change(within(form).getByTestId('rule-port-max'), { target: { value: '22' } });
    fireEvent.click(within(form).getByTestId('rule-submit'));
    await waitFor(() => expect(rules()).toContain('ingress IPv4 tcp 22 from 0.0.0.0/0'));
    const group = (await e.api['secgroups.list']({ name: 'web' })).items[0];
    expect(group.security_group_rules.map((r) => [r.protocol, r.port_range_min, r.remote_ip_prefix])).toContainEqual(['tcp', 22, '0.0.0.0/0']);
    fireEvent.change(within(form).getByTestId('rule-port-min'), { target: { value: '22' } });
    fireEvent.change(within(form).getByTestId('rule-port-max'), { target: { value: '22' } });
    fireEvent.click(within(form).getByTestId('rule-submit'));
    expect((await within(form).findByText(/SECURITY_GROUP_RULE_EXISTS/)).textContent).toContain('SECURITY_GROUP_RULE_EXISTS');

    // Delete the rule: the dialog names it; confirmed, it is gone at the top.
    const ssh = within(screen.getByTestId('secgroup-rules')).getAllByTestId('secgroup-rule').find((li) => li.textContent!.includes('tcp 22'))!;
    fireEvent.click(within(ssh).getByTestId('rule-delete'));
    const dialog = await screen.findByTestId('confirm-dialog');
    expect(within(dialog).getByTestId('confirm-title').textContent).toBe('Delete rule ingress IPv4 tcp 22 from 0.0.0.0/0 of web');
    fireEvent.click(within(dialog).getByTestId('confirm-ok'));
    await waitFor(() => expect(rules()).not.toContain('ingress IPv4 tcp 22 from 0.0.0.0/0'));

    // Delete the group.
    fireEvent.click(within(screen.getByTestId('secgroup-row-web')).getByTestId('secgroup-delete'));
    const d2 = await screen.findByTestId('confirm-dialog');
    expect(within(d2).getByTestId('confirm-title').textContent).toBe('Delete security group web (proj1)');
    fireEvent.click(within(d2).getByTestId('confirm-ok'));
    await waitFor(() => expect(screen.queryByTestId('secgroup-row-web')).toBeNull());
    expect((await e.api['secgroups.list']({})).items.map((g) => g.name)).toEqual(['default']);
  });
});
