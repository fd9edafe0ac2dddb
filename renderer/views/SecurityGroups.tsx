// Security groups and their rules (Neutron's security-group extension): create and delete with
// confirmation. A group reaches a pod when a VM port there uses it; this view says how to reach it.
import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { secgroupCreateInput, secgroupRuleInput } from '../../shared/contract';
import type { SecurityGroup, SecurityGroupRule } from '../../shared/model';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton, Field } from '../components/Form';
import { CLEAR, blank, required } from '../components/forms/schema';
import { act, destructive } from '../data/actions';
import { loadError, useCall } from '../data/query';
import { useApp } from '../store';
import { getClient } from '../store/client-ref';
import { LoadError, Section, ViewHeader } from './common';

const g = secgroupCreateInput.shape;
const groupSchema = z.object({
  name: required(g.name, 'Name'),
  project_id: required(g.project_id, 'Project'),
  description: blank(g.description.unwrap()),
});

function GroupForm() {
  const project = useApp((s) => s.project);
  const f = useForm<z.input<typeof groupSchema>, unknown, z.output<typeof groupSchema>>({ resolver: zodResolver(groupSchema), defaultValues: { name: '', project_id: project, description: '' } });
  const e = f.formState.errors;
  const submit = f.handleSubmit(async (v) => {
    const r = await act('secgroups.create', 'secgroups.create', v);
    if (r) f.reset({ name: '', project_id: v.project_id, description: '' }, CLEAR);
  });
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="secgroup-form" aria-label="Create security group">
      <div className="form-row">
        <Field label="Name" name="name" error={e.name?.message}>
          {(p) => <input {...p} {...f.register('name')} data-testid="secgroup-name" />}
        </Field>
        <Field label="Project" name="project_id" error={e.project_id?.message}>
          {(p) => <input {...p} {...f.register('project_id')} data-testid="secgroup-project" />}
        </Field>
        <Field label="Description (optional)" name="description" error={e.description?.message}>
          {(p) => <input {...p} {...f.register('description')} data-testid="secgroup-description" />}
        </Field>
      </div>
      <ErrorBanner action="secgroups.create" />
      <div className="form-actions">
        <ActionButton type="submit" action="secgroups.create" testId="secgroup-submit" variant="primary">
          Create security group
        </ActionButton>
      </div>
    </form>
  );
}

const r = secgroupRuleInput.shape;
/** A port number typed in a text box: blank is "not given". */
const portField = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : undefined), r.port_range_min.unwrap().unwrap().optional());
const ruleSchema = z.object({
  direction: r.direction,
  ethertype: r.ethertype.removeDefault(),
  protocol: blank(z.string().max(40)),
  port_range_min: portField,
  port_range_max: portField,
  remote_ip_prefix: blank(z.string().max(64)),
});

function RuleForm({ group }: { group: SecurityGroup }) {
  const action = `secgroupRules.create:${group.id}`;
  const f = useForm<z.input<typeof ruleSchema>, unknown, z.output<typeof ruleSchema>>({
    resolver: zodResolver(ruleSchema),
    defaultValues: { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: '', port_range_max: '', remote_ip_prefix: '0.0.0.0/0' },
  });
  const e = f.formState.errors;
  const submit = f.handleSubmit(async (v) => {
    const out = await act(action, 'secgroupRules.create', { security_group_id: group.id, ...v });
    if (out) f.reset(undefined, CLEAR);
  });
  return (
    <form className="form inline" onSubmit={submit} noValidate data-testid="secgroup-rule-form" aria-label={`Add a rule to ${group.name}`}>
      <Field label="Direction" name="direction" error={e.direction?.message}>
        {(p) => (
          <select {...p} {...f.register('direction')} data-testid="rule-direction">
            <option value="ingress">ingress</option>
            <option value="egress">egress</option>
          </select>
        )}
      </Field>
      <Field label="Ethertype" name="ethertype" error={e.ethertype?.message}>
        {(p) => (
          <select {...p} {...f.register('ethertype')} data-testid="rule-ethertype">
            <option value="IPv4">IPv4</option>
            <option value="IPv6">IPv6</option>
          </select>
        )}
      </Field>
      <Field label="Protocol" name="protocol" error={e.protocol?.message}>
        {(p) => <input {...p} {...f.register('protocol')} data-testid="rule-protocol" placeholder="any" />}
      </Field>
      <Field label="Port from" name="port_range_min" error={e.port_range_min?.message}>
        {(p) => <input {...p} {...f.register('port_range_min')} data-testid="rule-port-min" inputMode="numeric" />}
      </Field>
      <Field label="Port to" name="port_range_max" error={e.port_range_max?.message}>
        {(p) => <input {...p} {...f.register('port_range_max')} data-testid="rule-port-max" inputMode="numeric" />}
      </Field>
      <Field label="Remote prefix" name="remote_ip_prefix" error={e.remote_ip_prefix?.message}>
        {(p) => <input {...p} {...f.register('remote_ip_prefix')} data-testid="rule-prefix" placeholder="anywhere" />}
      </Field>
      <ActionButton type="submit" action={action} testId="rule-submit">
        Add rule
      </ActionButton>
      <ErrorBanner action={action} />
    </form>
  );
}

/** A rule in one line: `ingress IPv4 tcp 22 from 0.0.0.0/0`. */
export function ruleText(rule: SecurityGroupRule, groupName: (id: string) => string): string {
  const ports = rule.port_range_min === null ? '' : rule.port_range_max === null || rule.port_range_max === rule.port_range_min ? ` ${rule.port_range_min}` : ` ${rule.port_range_min}-${rule.port_range_max}`;
  const from = rule.remote_group_id ? `members of ${groupName(rule.remote_group_id)}` : (rule.remote_ip_prefix ?? 'anywhere');
  return `${rule.direction} ${rule.ethertype} ${rule.protocol ?? 'any'}${ports} ${rule.direction === 'ingress' ? 'from' : 'to'} ${from}`;
}

function deleteGroup(group: SecurityGroup) {
  return destructive({
    key: `secgroups.delete:${group.id}`,
    title: `Delete security group ${group.name} (${group.project_id})`,
    lines: [`Its ${group.security_group_rules.length} rules go with it, and its copies in every pod. A group a port still uses is refused.`],
    confirmLabel: 'Delete group',
    run: () => getClient().call('secgroups.delete', { id: group.id }),
    done: `Deleted security group ${group.name}`,
  });
}

function deleteRule(group: SecurityGroup, rule: SecurityGroupRule, text: string) {
  return destructive({
    key: `secgroupRules.delete:${rule.id}`,
    title: `Delete rule ${text} of ${group.name}`,
    lines: ['Every pod holding the group loses the rule too.'],
    confirmLabel: 'Delete rule',
    run: () => getClient().call('secgroupRules.delete', { id: rule.id }),
    done: `Deleted rule ${text}`,
  });
}

export function SecurityGroups() {
  const q = useCall('secgroups.list', { limit: 500, sort_key: 'name' });
  const groups = q.data?.items ?? [];
  const [open, setOpen] = useState<string | null>(null);
  const nameOf = (id: string) => groups.find((x) => x.id === id)?.name || id;
  return (
    <div className="view" data-testid="view-secgroups">
      <ViewHeader title="Security groups" loading={q.isFetching} />
      <Section title="Create security group" testId="secgroups-create">
        <p className="hint">Each project has a default group, made with its first port; a group reaches a pod when a VM port there uses it (set a port’s groups with ports.update).</p>
        <GroupForm />
      </Section>
      <LoadError error={loadError(q)} testId="error-secgroups-load" />
      {q.data && !groups.length ? (
        <EmptyState title="No security groups" testId="empty-secgroups">
          A project’s default group appears with its first port.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="secgroups-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Project</th>
                <th>Description</th>
                <th>Rules</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {groups.map((group) => [
                <tr key={group.id} data-testid={`secgroup-row-${group.name}`} title={group.id}>
                  <td>
                    <strong>{group.name}</strong>
                  </td>
                  <td>{group.project_id}</td>
                  <td>{group.description}</td>
                  <td>
                    <button type="button" className="btn ghost" data-testid="secgroup-rules-toggle" aria-expanded={open === group.id} onClick={() => setOpen(open === group.id ? null : group.id)}>
                      {group.security_group_rules.length} rules
                    </button>
                  </td>
                  <td className="actions">
                    <ActionButton action={`secgroups.delete:${group.id}`} testId="secgroup-delete" variant="ghost" disabled={group.name === 'default'} title={group.name === 'default' ? 'A project’s default group cannot be deleted' : undefined} onClick={() => void deleteGroup(group)}>
                      Delete
                    </ActionButton>
                    <ErrorBanner action={`secgroups.delete:${group.id}`} />
                  </td>
                </tr>,
                open === group.id && (
                  <tr key={`${group.id}-rules`} className="detail-row">
                    <td colSpan={5}>
                      <ul className="plain compact" data-testid="secgroup-rules">
                        {group.security_group_rules.map((rule) => {
                          const text = ruleText(rule, nameOf);
                          return (
                            <li key={rule.id} data-testid="secgroup-rule" title={rule.id}>
                              <code>{text}</code>{' '}
                              <ActionButton action={`secgroupRules.delete:${rule.id}`} testId="rule-delete" variant="ghost" onClick={() => void deleteRule(group, rule, text)}>
                                Delete
                              </ActionButton>
                              <ErrorBanner action={`secgroupRules.delete:${rule.id}`} />
                            </li>
                          );
                        })}
                      </ul>
                      <RuleForm group={group} />
                    </td>
                  </tr>
                ),
              ])}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
