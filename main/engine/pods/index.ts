// The pod registry (reference §11, with the later region_name naming and the 62801d7 fix) and
// the AZ -> pod binding per project (§6, with the f0f9a20 fix: never the top pod).
import type { NeutronDriverConfig, Pod } from '../../../shared/model';
import type { PodHealth } from '../../../shared/topology';
import { CrosspodError } from '../../../shared/errors';
import type { ParsedInput } from '../../../shared/contract';
import type { PodRow } from '../context';
import { json, uuid } from '../context';
import type { SecretBox } from '../secrets';
import type { Db } from '../store';
import { PodObservations } from './observations';

export function toPod(r: PodRow): Pod {
  const cfg = json<NeutronDriverConfig | null>(r.driver_config, null);
  return {
    pod_id: r.pod_id,
    region_name: r.region_name,
    pod_name: r.region_name,
    az_name: r.az_name,
    pod_az_name: r.pod_az_name,
    dc_name: r.dc_name,
    is_top: r.az_name === '',
    driver: r.driver,
    driver_config: cfg,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

type PodInput = Omit<ParsedInput<'pods.update'>, 'pod_id'>;

export class PodRegistry {
  private readonly q;
  /** What the budgeted reads last saw of each pod (the reader's registry is the one they feed). */
  readonly observed: PodObservations;

  constructor(
    private readonly db: Db,
    private readonly nowIso: () => string,
    private readonly secrets: SecretBox | undefined,
  ) {
    this.observed = new PodObservations(() => Date.parse(nowIso()));
    this.q = {
      get: db.prepare('SELECT * FROM pods WHERE pod_id = ?'),
      byName: db.prepare('SELECT * FROM pods WHERE region_name = ?'),
      top: db.prepare("SELECT * FROM pods WHERE az_name = '' LIMIT 1"),
      bottoms: db.prepare("SELECT * FROM pods WHERE az_name != '' ORDER BY created_at, rowid"),
      all: db.prepare('SELECT * FROM pods ORDER BY created_at, rowid'),
      byAz: db.prepare("SELECT * FROM pods WHERE az_name = ? AND az_name != '' ORDER BY created_at, rowid"),
      bindingsOf: db.prepare(
        "SELECT p.* FROM pod_bindings b JOIN pods p ON p.pod_id = b.pod_id WHERE b.project_id = ? AND p.az_name != '' ORDER BY b.created_at, b.rowid",
      ),
      bind: db.prepare('INSERT INTO pod_bindings (id, project_id, pod_id, created_at) VALUES (?, ?, ?, ?)'),
      insert: db.prepare(
        'INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, driver_config, created_at, updated_at) VALUES (@pod_id, @region_name, @az_name, @pod_az_name, @dc_name, @driver, @driver_config, @created_at, @updated_at)',
      ),
      update: db.prepare(
        'UPDATE pods SET region_name = @region_name, az_name = @az_name, pod_az_name = @pod_az_name, dc_name = @dc_name, driver = @driver, driver_config = @driver_config, updated_at = @updated_at WHERE pod_id = @pod_id',
      ),
      del: db.prepare('DELETE FROM pods WHERE pod_id = ?'),
      remote: db.prepare("SELECT 1 FROM pods WHERE driver <> 'lab' LIMIT 1").pluck(),
      delBindings: db.prepare('DELETE FROM pod_bindings WHERE pod_id = ?'),
      setSecret: db.prepare('INSERT INTO pod_secrets (pod_id, sealed) VALUES (?, ?) ON CONFLICT (pod_id) DO UPDATE SET sealed = excluded.sealed'),
      getSecret: db.prepare('SELECT sealed FROM pod_secrets WHERE pod_id = ?'),
      delSecret: db.prepare('DELETE FROM pod_secrets WHERE pod_id = ?'),
      routingUse: db.prepare('SELECT resource_type, COUNT(*) AS n FROM resource_routings WHERE pod_id = ? GROUP BY resource_type ORDER BY resource_type'),
      extNets: db.prepare('SELECT id, az_hints FROM networks WHERE router_external = 1'),
    };
  }

  /** Some pod is remote (its bottoms outside this file): mutations take the durable path. */
  anyRemote(): boolean {
    return this.q.remote.get() !== undefined;
  }

  row(podId: string): PodRow {
    const r = this.q.get.get(podId) as PodRow | undefined;
    if (!r) throw new CrosspodError('POD_NOT_FOUND', `Pod ${podId} could not be found.`, { pod_id: podId });
    return r;
  }

  get(podId: string): Pod {
    return toPod(this.row(podId));
  }

  find(podId: string): PodRow | undefined {
    return this.q.get.get(podId) as PodRow | undefined;
  }

  /** Every pod, the top included, in creation order. */
  all(): PodRow[] {
    return this.q.all.all() as PodRow[];
  }

  byName(name: string): PodRow | undefined {
    return this.q.byName.get(name) as PodRow | undefined;
  }

  top(): PodRow | undefined {
    return this.q.top.get() as PodRow | undefined;
  }

  requireTop(): PodRow {
    const t = this.top();
    if (!t) throw new CrosspodError('TOP_POD_NOT_FOUND', 'No top pod exists: create the top region first (a pod with an empty az_name)');
    return t;
  }

  bottoms(): PodRow[] {
    return this.q.bottoms.all() as PodRow[];
  }

  /** Every bottom pod's reads as last observed (no pod is asked). */
  health(): PodHealth[] {
    return this.bottoms().map((p) => ({ pod_id: p.pod_id, region_name: p.region_name, reads: this.observed.of(p.pod_id, p.updated_at) }));
  }

  password(podId: string): string | undefined {
    const r = this.q.getSecret.get(podId) as { sealed: string } | undefined;
    if (!r || !this.secrets) return undefined;
    return this.secrets.open(r.sealed);
  }

  private validate(v: { region_name: string; az_name: string; driver: string; driver_config: NeutronDriverConfig | null }, selfId?: string): void {
    if (!v.region_name) {
      throw new CrosspodError(
        'POD_NAME_REQUIRED',
        v.az_name === '' ? 'Valid region_name is required for top region' : 'Valid region_name is required for pod',
      );
    }
    const top = this.top();
    if (v.az_name === '' && top && top.pod_id !== selfId) {
      throw new CrosspodError('TOP_POD_EXISTS', 'Top region already exists', { pod_id: top.pod_id });
    }
    if (v.az_name !== '' && top && top.pod_id !== selfId && top.region_name === v.region_name) {
      throw new CrosspodError('POD_NAME_DUPLICATED', 'Pod region name duplicated with the top region name', { region_name: v.region_name });
    }
    const dup = this.byName(v.region_name);
    if (dup && dup.pod_id !== selfId) {
      throw new CrosspodError('POD_NAME_DUPLICATED', `A pod named ${v.region_name} already exists`, { region_name: v.region_name });
    }
    if (v.driver === 'neutron') {
      const c = v.driver_config;
      if (!c) throw new CrosspodError('INVALID_INPUT', 'A neutron pod needs driver_config');
      if (c.auth_type === 'noauth' && !c.endpoint) throw new CrosspodError('INVALID_INPUT', 'A noauth neutron pod needs an endpoint');
      if (c.auth_type === 'password' && (!c.auth_url || !c.username || !c.project_name)) {
        throw new CrosspodError('INVALID_INPUT', 'A password neutron pod needs auth_url, username and project_name');
      }
    }
  }

  private splitConfig(input: PodInput['driver_config']): { cfg: NeutronDriverConfig | null; password?: string } {
    if (!input) return { cfg: null };
    const { password, ...rest } = input;
    return { cfg: { ...rest, has_password: password !== undefined ? true : undefined }, password };
  }

  private storePassword(podId: string, password: string | undefined): void {
    if (password === undefined) return;
    if (!this.secrets) throw new CrosspodError('INVALID_INPUT', 'No secret store is configured: passwords cannot be kept');
    this.q.setSecret.run(podId, this.secrets.seal(password));
  }

  create(input: PodInput): Pod {
    const region_name = (input.region_name ?? input.pod_name ?? '').trim();
    const az_name = (input.az_name ?? '').trim();
    const driver = az_name === '' ? 'lab' : (input.driver ?? 'lab');
    const { cfg, password } = this.splitConfig(driver === 'neutron' ? input.driver_config : null);
    this.validate({ region_name, az_name, driver, driver_config: cfg });
    const t = this.nowIso();
    const row: PodRow = {
      pod_id: uuid(),
      region_name,
      az_name,
      // The top pod never forwards an AZ (§11.1).
      pod_az_name: az_name === '' ? '' : (input.pod_az_name ?? '').trim(),
      dc_name: (input.dc_name ?? '').trim(),
      driver,
      driver_config: cfg ? JSON.stringify(cfg) : null,
      created_at: t,
      updated_at: t,
    };
    this.q.insert.run(row);
    this.storePassword(row.pod_id, password);
    return toPod(row);
  }

  update(podId: string, input: PodInput): Pod {
    const cur = this.row(podId);
    const region_name = (input.region_name ?? input.pod_name ?? cur.region_name).trim();
    const az_name = input.az_name !== undefined ? input.az_name.trim() : cur.az_name;
    if ((az_name === '') !== (cur.az_name === '')) {
      throw new CrosspodError('INVALID_INPUT', 'A pod cannot change between top and bottom; create a new pod instead');
    }
    if (region_name !== cur.region_name && this.q.routingUse.all(podId).length > 0) {
      throw new CrosspodError('POD_IN_USE', 'A pod that hosts routed resources cannot be renamed: external networks name it');
    }
    const driver = az_name === '' ? 'lab' : (input.driver ?? cur.driver);
    let cfg = json<NeutronDriverConfig | null>(cur.driver_config, null);
    let password: string | undefined;
    if (input.driver_config !== undefined) ({ cfg, password } = this.splitConfig(input.driver_config));
    if (driver === 'lab') cfg = null;
    if (cfg && password === undefined && cur.driver_config) cfg.has_password = json<NeutronDriverConfig>(cur.driver_config, { auth_type: 'noauth' }).has_password;
    this.validate({ region_name, az_name, driver, driver_config: cfg }, podId);
    const row: PodRow = {
      ...cur,
      region_name,
      az_name,
      pod_az_name: az_name === '' ? '' : (input.pod_az_name ?? cur.pod_az_name).trim(),
      dc_name: (input.dc_name ?? cur.dc_name).trim(),
      driver,
      driver_config: cfg ? JSON.stringify(cfg) : null,
      updated_at: this.nowIso(),
    };
    this.q.update.run(row);
    // A pod that no longer authenticates with a password keeps no sealed one either.
    if (!cfg?.has_password) this.q.delSecret.run(podId);
    this.storePassword(podId, password);
    return toPod(row);
  }

  delete(podId: string): void {
    const cur = this.row(podId);
    const use = this.q.routingUse.all(podId) as { resource_type: string; n: number }[];
    if (use.length > 0) {
      const still = Object.fromEntries(use.map((u) => [u.resource_type, u.n]));
      const list = use.map((u) => `${u.n} ${u.resource_type}${u.n === 1 ? '' : 's'}`).join(', ');
      throw new CrosspodError('POD_IN_USE', `Pod ${cur.region_name} still hosts routed resources: ${list}`, { still });
    }
    const ext = (this.q.extNets.all() as { id: string; az_hints: string }[]).filter((n) => json<string[]>(n.az_hints, [])[0] === cur.region_name);
    if (ext.length > 0) {
      throw new CrosspodError('POD_IN_USE', `Pod ${cur.region_name} hosts external networks: ${ext.map((n) => n.id).join(', ')}`, {
        still: { external_network: ext.length },
      });
    }
    if (cur.az_name === '' && this.bottoms().length > 0) {
      throw new CrosspodError('POD_IN_USE', 'The top pod cannot go while bottom pods exist', { still: { pod: this.bottoms().length } });
    }
    this.q.delBindings.run(podId);
    this.q.del.run(podId);
  }

  /**
   * §6 get_pod_by_az_tenant: the project's bound pod in that AZ, else the first pod of the AZ,
   * which gets bound. An empty AZ means any bottom pod. Never the top pod.
   */
  podForAz(az: string, projectId: string): PodRow {
    const bound = this.q.bindingsOf.all(projectId) as PodRow[];
    const hit = bound.find((p) => az === '' || p.az_name === az);
    if (hit) return hit;
    const candidates = az === '' ? this.bottoms() : (this.q.byAz.all(az) as PodRow[]);
    const pod = candidates.find((p) => p.region_name !== '');
    if (!pod) throw new CrosspodError('NO_POD_FOR_AZ', `No pod bound to availability zone ${az || '(any)'}`, { az_name: az });
    this.q.bind.run(uuid(), projectId, pod.pod_id, this.nowIso());
    return pod;
  }

  azKnown(az: string): boolean {
    return (this.q.byAz.all(az) as PodRow[]).length > 0;
  }
}
