import type { FormEvent } from 'react';
import type { Input } from '../../../shared/contract';
import type { Pod } from '../../../shared/model';
import { useApp } from '../../store';
import { ErrorBanner } from '../ErrorBanner';
import { ActionButton, Field } from '../Form';
import { hasErrors, required, validUrl } from '../validate';
import { useFields } from './useFields';

const blank = {
  region_name: '',
  az_name: '',
  pod_az_name: '',
  dc_name: '',
  driver: 'lab',
  auth_type: 'password',
  endpoint: '',
  auth_url: '',
  username: '',
  user_domain_name: 'Default',
  project_name: '',
  project_domain_name: 'Default',
  password: '',
  timeout_ms: '',
};
type Values = typeof blank;

function fromPod(p: Pod): Values {
  const c = p.driver_config;
  return {
    region_name: p.region_name,
    az_name: p.az_name,
    pod_az_name: p.pod_az_name,
    dc_name: p.dc_name,
    driver: p.driver,
    auth_type: c?.auth_type ?? 'password',
    endpoint: c?.endpoint ?? '',
    auth_url: c?.auth_url ?? '',
    username: c?.username ?? '',
    user_domain_name: c?.user_domain_name ?? 'Default',
    project_name: c?.project_name ?? '',
    project_domain_name: c?.project_domain_name ?? 'Default',
    password: '',
    timeout_ms: c?.timeout_ms ? String(c.timeout_ms) : '',
  };
}

export function validatePod(v: Values, editing: boolean): Partial<Record<keyof Values, string>> {
  const e: Partial<Record<keyof Values, string>> = { region_name: required(v.region_name, 'Region name') };
  if (v.driver === 'neutron') {
    e.endpoint = validUrl(v.endpoint);
    e.auth_url = validUrl(v.auth_url);
    if (v.auth_type === 'noauth' && !v.endpoint.trim()) e.endpoint = 'A Neutron endpoint is required without Keystone';
    if (v.auth_type === 'password') {
      if (!v.auth_url.trim()) e.auth_url = 'The Keystone v3 URL is required';
      e.username = e.username ?? required(v.username, 'Username');
      e.project_name = required(v.project_name, 'Project');
      if (!editing && !v.password) e.password = 'A password is required';
    }
    if (v.timeout_ms && !/^\d+$/.test(v.timeout_ms)) e.timeout_ms = 'Milliseconds, a whole number';
  }
  return e;
}

function toInput(v: Values): Input<'pods.create'> {
  const opt = (s: string) => (s.trim() ? s.trim() : undefined);
  const input: Input<'pods.create'> = {
    region_name: v.region_name.trim(),
    az_name: v.az_name.trim(),
    pod_az_name: v.pod_az_name.trim(),
    dc_name: v.dc_name.trim(),
    driver: v.driver as 'lab' | 'neutron',
  };
  if (v.driver === 'neutron') {
    const cfg: NonNullable<Input<'pods.create'>['driver_config']> = { auth_type: v.auth_type as 'password' | 'noauth' };
    const add = (k: 'endpoint' | 'auth_url' | 'username' | 'user_domain_name' | 'project_name' | 'project_domain_name') => {
      const val = opt(v[k]);
      if (val) cfg[k] = val;
    };
    add('endpoint');
    if (v.auth_type === 'password') {
      add('auth_url');
      add('username');
      add('user_domain_name');
      add('project_name');
      add('project_domain_name');
      if (v.password) cfg.password = v.password;
    }
    if (v.timeout_ms) cfg.timeout_ms = Number(v.timeout_ms);
    input.driver_config = cfg;
  } else {
    input.driver_config = null;
  }
  return input;
}

/** Create a pod, or edit one when `pod` is given. */
export function PodForm({ pod, onDone }: { pod?: Pod; onDone?: () => void }) {
  const createPod = useApp((s) => s.createPod);
  const updatePod = useApp((s) => s.updatePod);
  const f = useFields<Values>(pod ? fromPod(pod) : blank);
  const action = pod ? `pods.update:${pod.pod_id}` : 'pods.create';
  const v = f.values;

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const errs = validatePod(v, !!pod);
    f.setErrors(errs);
    if (hasErrors(errs)) return;
    const input = toInput(v);
    const r = pod ? await updatePod({ pod_id: pod.pod_id, ...input }) : await createPod(input);
    if (r) {
      if (!pod) f.reset({ driver: v.driver });
      onDone?.();
    }
  };

  return (
    <form className="form" onSubmit={submit} noValidate data-testid={pod ? 'pod-edit-form' : 'pod-form'} aria-label={pod ? 'Edit pod' : 'Create pod'}>
      <div className="form-row">
        <Field label="Region name" name="region_name" error={f.errors.region_name} hint="A pod without an AZ is the top pod">
          {(p) => <input {...p} {...f.text('region_name')} data-testid="pod-region" placeholder="Pod1" autoComplete="off" />}
        </Field>
        <Field label="AZ name" name="az_name">
          {(p) => <input {...p} {...f.text('az_name')} data-testid="pod-az" placeholder="az1" />}
        </Field>
        <Field label="Pod AZ name" name="pod_az_name">
          {(p) => <input {...p} {...f.text('pod_az_name')} data-testid="pod-pod-az" />}
        </Field>
        <Field label="DC name" name="dc_name">
          {(p) => <input {...p} {...f.text('dc_name')} data-testid="pod-dc" />}
        </Field>
        <Field label="Driver" name="driver">
          {(p) => (
            <select {...p} {...f.text('driver')} data-testid="pod-driver">
              <option value="lab">lab (embedded)</option>
              <option value="neutron">neutron (real region)</option>
            </select>
          )}
        </Field>
      </div>
      {v.driver === 'neutron' && (
        <fieldset className="form-row" data-testid="pod-neutron-fields">
          <legend>Neutron endpoint and auth</legend>
          <Field label="Auth" name="auth_type">
            {(p) => (
              <select {...p} {...f.text('auth_type')} data-testid="pod-auth-type">
                <option value="password">Keystone v3 password</option>
                <option value="noauth">noauth (fixed endpoint)</option>
              </select>
            )}
          </Field>
          <Field label="Neutron endpoint" name="endpoint" error={f.errors.endpoint} hint={v.auth_type === 'password' ? 'Optional: overrides the catalog' : undefined}>
            {(p) => <input {...p} {...f.text('endpoint')} data-testid="pod-endpoint" placeholder="http://127.0.0.1:9696" />}
          </Field>
          {v.auth_type === 'password' && (
            <>
              <Field label="Keystone URL" name="auth_url" error={f.errors.auth_url}>
                {(p) => <input {...p} {...f.text('auth_url')} data-testid="pod-auth-url" placeholder="http://127.0.0.1:5000/v3" />}
              </Field>
              <Field label="Username" name="username" error={f.errors.username}>
                {(p) => <input {...p} {...f.text('username')} data-testid="pod-username" autoComplete="off" />}
              </Field>
              <Field label="User domain" name="user_domain_name">
                {(p) => <input {...p} {...f.text('user_domain_name')} data-testid="pod-user-domain" />}
              </Field>
              <Field label="Project" name="project_name" error={f.errors.project_name}>
                {(p) => <input {...p} {...f.text('project_name')} data-testid="pod-project" />}
              </Field>
              <Field label="Project domain" name="project_domain_name">
                {(p) => <input {...p} {...f.text('project_domain_name')} data-testid="pod-project-domain" />}
              </Field>
              <Field label={pod?.driver_config?.has_password ? 'Password (stored; blank keeps it)' : 'Password'} name="password" error={f.errors.password}>
                {(p) => <input {...p} {...f.text('password')} type="password" data-testid="pod-password" autoComplete="new-password" />}
              </Field>
            </>
          )}
          <Field label="Timeout (ms)" name="timeout_ms" error={f.errors.timeout_ms}>
            {(p) => <input {...p} {...f.text('timeout_ms')} data-testid="pod-timeout" inputMode="numeric" placeholder="10000" />}
          </Field>
        </fieldset>
      )}
      <ErrorBanner action={action} />
      <div className="form-actions">
        <ActionButton type="submit" action={action} testId="pod-submit" variant="primary">
          {pod ? 'Save pod' : 'Create pod'}
        </ActionButton>
        {onDone && pod && (
          <button type="button" className="btn ghost" onClick={onDone} data-testid="pod-cancel">
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
