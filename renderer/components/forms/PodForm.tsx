import { zodResolver } from '@hookform/resolvers/zod';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import type { Input } from '../../../shared/contract';
import type { Pod } from '../../../shared/model';
import { act } from '../../data/actions';
import { ErrorBanner } from '../ErrorBanner';
import { ActionButton, Field } from '../Form';
import { blank, required, shapes } from './schema';

const blankPod = {
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
  interface: 'public',
  password: '',
  timeout_ms: '',
};
type Values = typeof blankPod;

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
    interface: c?.interface ?? 'public',
    password: '',
    timeout_ms: c?.timeout_ms ? String(c.timeout_ms) : '',
  };
}

const d = shapes.podDriver;
/** The contract's pod fields; the Keystone fields it needs together are a form rule on top. */
const podSchema = z
  .object({
    region_name: required(z.string().max(255), 'Region name'),
    az_name: z.string(),
    pod_az_name: z.string(),
    dc_name: z.string(),
    driver: z.string(),
    auth_type: z.string(),
    endpoint: z.string(),
    auth_url: z.string(),
    username: z.string(),
    user_domain_name: z.string(),
    project_name: z.string(),
    project_domain_name: z.string(),
    interface: z.string(),
    password: z.string(),
    timeout_ms: z.string(),
  })
  .superRefine((v, ctx) => {
    if (v.driver !== 'neutron') return;
    const check = (field: keyof Values, schema: z.ZodType, value: unknown) => {
      const r = blank(schema).safeParse(value);
      if (!r.success) ctx.addIssue({ code: 'custom', path: [field], message: r.error.issues[0].message });
    };
    check('endpoint', d.endpoint.unwrap(), v.endpoint);
    check('auth_url', d.auth_url.unwrap(), v.auth_url);
    if (v.auth_type === 'password') check('interface', d.interface.unwrap(), v.interface);
    check('timeout_ms', d.timeout_ms.unwrap(), v.timeout_ms.trim() ? Number(v.timeout_ms) : '');
    const need = (field: keyof Values, message: string) => {
      if (!String(v[field]).trim()) ctx.addIssue({ code: 'custom', path: [field], message });
    };
    if (v.auth_type === 'noauth') need('endpoint', 'A Neutron endpoint is required without Keystone');
    if (v.auth_type === 'password') {
      need('auth_url', 'The Keystone v3 URL is required');
      need('username', 'Username is required');
      need('project_name', 'Project is required');
    }
  });

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
      // The catalog endpoint of the region: the contract's enum (public, internal, admin).
      cfg.interface = v.interface as NonNullable<typeof cfg.interface>;
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
export function PodForm({ pod, onDone, topFirst = false }: { pod?: Pod; onDone?: () => void; topFirst?: boolean }) {
  const f = useForm<Values>({ resolver: zodResolver(podSchema) as never, defaultValues: pod ? fromPod(pod) : blankPod });
  const action = pod ? `pods.update:${pod.pod_id}` : 'pods.create';
  const v = f.watch();
  const errors = f.formState.errors;
  const err = (k: keyof Values) => errors[k]?.message;
  const submit = f.handleSubmit(async (values) => {
    if (!pod && values.driver === 'neutron' && values.auth_type === 'password' && !values.password) {
      f.setError('password', { message: 'A password is required' });
      return;
    }
    const input = toInput(values);
    const r = pod ? await act(action, 'pods.update', { pod_id: pod.pod_id, ...input }) : await act(action, 'pods.create', input);
    if (r) {
      if (!pod) f.reset({ ...blankPod, driver: values.driver });
      onDone?.();
    }
  });
  const text = (k: keyof Values) => f.register(k);

  return (
    <form className="form" onSubmit={submit} noValidate data-testid={pod ? 'pod-edit-form' : 'pod-form'} aria-label={pod ? 'Edit pod' : 'Create pod'}>
      <div className="form-row">
        <Field label="Region name" name="region_name" error={err('region_name')} hint={topFirst ? 'The top pod: its region name, with no AZ' : 'A pod without an AZ is the top pod'}>
          {(p) => <input {...p} {...text('region_name')} data-testid="pod-region" autoComplete="off" />}
        </Field>
        <Field label="AZ name" name="az_name">
          {(p) => <input {...p} {...text('az_name')} data-testid="pod-az" placeholder={topFirst ? 'none for the top pod' : ''} />}
        </Field>
        <Field label="Pod AZ name" name="pod_az_name">
          {(p) => <input {...p} {...text('pod_az_name')} data-testid="pod-pod-az" />}
        </Field>
        <Field label="DC name" name="dc_name">
          {(p) => <input {...p} {...text('dc_name')} data-testid="pod-dc" />}
        </Field>
        <Field label="Driver" name="driver">
          {(p) => (
            <select {...p} {...text('driver')} data-testid="pod-driver">
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
              <select {...p} {...text('auth_type')} data-testid="pod-auth-type">
                <option value="password">Keystone v3 password</option>
                <option value="noauth">noauth (fixed endpoint)</option>
              </select>
            )}
          </Field>
          <Field label="Neutron endpoint" name="endpoint" error={err('endpoint')} hint={v.auth_type === 'password' ? 'Optional: overrides the catalog' : undefined}>
            {(p) => <input {...p} {...text('endpoint')} data-testid="pod-endpoint" placeholder="http://127.0.0.1:9696" />}
          </Field>
          {v.auth_type === 'password' && (
            <>
              <Field label="Keystone URL" name="auth_url" error={err('auth_url')}>
                {(p) => <input {...p} {...text('auth_url')} data-testid="pod-auth-url" placeholder="http://127.0.0.1:5000/v3" />}
              </Field>
              <Field label="Username" name="username" error={err('username')}>
                {(p) => <input {...p} {...text('username')} data-testid="pod-username" autoComplete="off" />}
              </Field>
              <Field label="User domain" name="user_domain_name">
                {(p) => <input {...p} {...text('user_domain_name')} data-testid="pod-user-domain" />}
              </Field>
              <Field label="Project" name="project_name" error={err('project_name')}>
                {(p) => <input {...p} {...text('project_name')} data-testid="pod-project" />}
              </Field>
              <Field label="Project domain" name="project_domain_name">
                {(p) => <input {...p} {...text('project_domain_name')} data-testid="pod-project-domain" />}
              </Field>
              <Field label="Interface" name="interface" error={err('interface')} hint="Which of the region's catalog endpoints to use">
                {(p) => (
                  <select {...p} {...text('interface')} data-testid="pod-interface">
                    {d.interface.unwrap().options.map((i) => (
                      <option key={i} value={i}>
                        {i}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={pod?.driver_config?.has_password ? 'Password (stored; blank keeps it)' : 'Password'} name="password" error={err('password')}>
                {(p) => <input {...p} {...text('password')} type="password" data-testid="pod-password" autoComplete="new-password" />}
              </Field>
            </>
          )}
          <Field label="Timeout (ms)" name="timeout_ms" error={err('timeout_ms')}>
            {(p) => <input {...p} {...text('timeout_ms')} data-testid="pod-timeout" inputMode="numeric" placeholder="10000" />}
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
