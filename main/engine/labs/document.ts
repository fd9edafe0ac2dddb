// Lab documents: export reads the top through the engine and writes names, never ids; check
// refuses a broken document up front (LAB_DOCUMENT_INVALID naming the path); replay builds the
// lab through engine.call, so every rule of the engine applies.
import { Address4, Address6 } from 'ip-address';
import type { Method, Output } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import { labDocument, LAB_DOCUMENT_VERSION, type LabDocument, type LabSubnetDoc } from '../../../shared/lab-document';
import type { FloatingIp, Network, Pod, Port, Router, Subnet } from '../../../shared/model';
import type { ViewState } from '../../../shared/topology';
import type { BridgeSettings, Engine } from '../types';
import { defaultSettings } from '../types';

type Caller = Pick<Engine, 'call'>;

async function listAll<M extends 'pods.list' | 'networks.list' | 'subnets.list' | 'ports.list' | 'routers.list' | 'fips.list'>(e: Caller, m: M): Promise<Output<M>['items']> {
  const out: Output<M>['items'] = [];
  let marker: string | undefined;
  for (;;) {
    const page = (await e.call(m as Method, { limit: 10_000, ...(marker ? { marker } : {}) })) as Output<M>;
    out.push(...(page.items as never[]));
    if (page.items.length < 10_000) return out;
    const last = page.items[page.items.length - 1] as { id?: string; pod_id?: string };
    marker = last.id ?? last.pod_id;
  }
}

/** A sort key that orders addresses as addresses (10.0.0.9 before 10.0.0.10), v4 before v6. */
export function addressKey(ip: string): string {
  if (!ip.includes(':')) return '4' + ip.split('.').map((o) => o.padStart(3, '0')).join('.');
  try {
    return '6' + new Address6(ip).canonicalForm();
  } catch {
    return '6' + ip;
  }
}
const cidrKey = (c: string) => {
  const [a, l] = c.split('/');
  return `${addressKey(a)}/${(l ?? '').padStart(3, '0')}`;
};
const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

const VIEW_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const VIEW_TOKEN = /\{(pod|network|subnet|router|port|fip):([^{}]+)\}/g;

/** Reads the lab the engine runs as a document: canonical order, names instead of ids. */
export async function exportLab(e: Caller & { store: Engine['store'] }, bridge: BridgeSettings): Promise<{ document: LabDocument; text: string }> {
  const [pods, networks, subnets, ports, routers, fips] = await Promise.all([
    listAll(e, 'pods.list'),
    listAll(e, 'networks.list'),
    listAll(e, 'subnets.list'),
    listAll(e, 'ports.list'),
    listAll(e, 'routers.list'),
    listAll(e, 'fips.list'),
  ]);
  const own = networks.filter((n) => !n['crosspod:bridge']);
  const netById = new Map(own.map((n) => [n.id, n]));
  const subById = new Map(subnets.filter((s) => netById.has(s.network_id)).map((s) => [s.id, s]));
  const subKey = (s: Subnet) => s.name || s.cidr;
  const portById = new Map(ports.map((p) => [p.id, p]));
  const problems: string[] = [];
  const unique = (what: string, names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (n === '') problems.push(`a ${what} has no name`);
      else if (seen.has(n)) problems.push(`two ${what}s are named ${n}`);
      seen.add(n);
    }
  };
  unique('network', own.map((n) => n.name));
  unique('subnet', [...subById.values()].map(subKey));
  unique('router', routers.map((r) => r.name));
  if (problems.length) throw new CrosspodError('LAB_NOT_EXPORTABLE', `The lab cannot be written with names only: ${problems.join('; ')}`, { problems });

  const fixed = (f: { subnet_id: string; ip_address: string }) => ({ subnet: subKey(subById.get(f.subnet_id)!), ip: f.ip_address });
  const subnetDoc = (s: Subnet, external: boolean): LabSubnetDoc => ({
    ...(s.name ? { name: s.name } : {}),
    cidr: s.cidr,
    gateway_ip: s.gateway_ip,
    allocation_pools: s.allocation_pools.map((p) => ({ start: p.start, end: p.end })),
    ...(s.enable_dhcp !== !external ? { enable_dhcp: s.enable_dhcp } : {}),
    ...(s.dns_nameservers.length ? { dns_nameservers: [...s.dns_nameservers] } : {}),
    ...(s.host_routes.length ? { host_routes: s.host_routes.map((r) => ({ destination: r.destination, nexthop: r.nexthop })).sort(byKey((r) => cidrKey(r.destination) + addressKey(r.nexthop))) } : {}),
  });
  const subnetsOf = (n: Network) => subnets.filter((s) => s.network_id === n.id).sort(byKey((s) => cidrKey(s.cidr)));
  const provider = (n: Network) => ({
    ...(n['provider:network_type'] ? { network_type: n['provider:network_type'] } : {}),
    ...(n['provider:physical_network'] ? { physical_network: n['provider:physical_network'] } : {}),
  });

  const podDoc = (p: Pod) => {
    if (p.is_top) return { region: p.region_name, top: true };
    const cfg = p.driver_config;
    return {
      region: p.region_name,
      az: p.az_name,
      ...(p.pod_az_name ? { pod_az: p.pod_az_name } : {}),
      ...(p.dc_name ? { dc: p.dc_name } : {}),
      ...(p.driver !== 'lab' ? { driver: p.driver } : {}),
      // The endpoint and the user, never the password (has_password is dropped with it).
      ...(p.driver === 'neutron' && cfg
        ? {
            neutron: {
              auth_type: cfg.auth_type,
              ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
              ...(cfg.auth_url ? { auth_url: cfg.auth_url } : {}),
              ...(cfg.username ? { username: cfg.username } : {}),
              ...(cfg.user_domain_name ? { user_domain_name: cfg.user_domain_name } : {}),
              ...(cfg.project_name ? { project_name: cfg.project_name } : {}),
              ...(cfg.project_domain_name ? { project_domain_name: cfg.project_domain_name } : {}),
              ...(cfg.timeout_ms !== undefined ? { timeout_ms: cfg.timeout_ms } : {}),
            },
          }
        : {}),
    };
  };

  const external = own.filter((n) => n['router:external']).sort(byKey((n) => n.name));
  const tenant = own.filter((n) => !n['router:external']).sort(byKey((n) => n.name));
  const ifaceSubnets = new Map<string, string[]>();
  // User ports: not the engine's own (router interfaces and gateways, DHCP, floating IPs).
  const userPorts: Port[] = [];
  for (const p of ports) {
    if (!netById.has(p.network_id)) continue;
    if (p.device_owner === 'network:router_interface') {
      const list = ifaceSubnets.get(p.device_id) ?? [];
      for (const f of p.fixed_ips) if (subById.has(f.subnet_id)) list.push(subKey(subById.get(f.subnet_id)!));
      ifaceSubnets.set(p.device_id, list);
    } else if (!p.device_owner.startsWith('network:')) userPorts.push(p);
  }
  const portRef = (p: Port) => ({ network: netById.get(p.network_id)!.name, ip: p.fixed_ips[0]?.ip_address ?? '' });

  const doc: LabDocument = {
    crosspod_lab: LAB_DOCUMENT_VERSION,
    bridge: { ew_pool: bridge.ew_pool, ns_pool: bridge.ns_pool, prefixlen: bridge.prefixlen, physical_network: bridge.physical_network, vlan_min: bridge.vlan_min, vlan_max: bridge.vlan_max },
    pods: [...pods].sort((a, b) => Number(b.is_top) - Number(a.is_top) || (a.region_name < b.region_name ? -1 : a.region_name > b.region_name ? 1 : 0)).map(podDoc),
    external_networks: external.map((n) => ({
      name: n.name,
      project: n.project_id,
      pod: n.availability_zone_hints[0] ?? '',
      ...provider(n),
      subnets: subnetsOf(n).map((s) => subnetDoc(s, true)),
    })),
    networks: tenant.map((n) => ({
      name: n.name,
      project: n.project_id,
      ...(n.availability_zone_hints.length ? { availability_zone_hints: [...n.availability_zone_hints] } : {}),
      ...provider(n),
      ...(n['provider:segmentation_id'] !== null && n['provider:network_type'] && n['provider:network_type'] !== 'local' ? { segmentation_id: n['provider:segmentation_id'] } : {}),
      ...(n.shared ? { shared: true } : {}),
      ...(!n.admin_state_up ? { admin_state_up: false } : {}),
      subnets: subnetsOf(n).map((s) => subnetDoc(s, false)),
    })),
    routers: [...routers].sort(byKey((r) => r.name)).map((r: Router) => {
      const g = r.external_gateway_info;
      const gnet = g ? netById.get(g.network_id) : undefined;
      return {
        name: r.name,
        project: r.project_id,
        ...(!r.admin_state_up ? { admin_state_up: false } : {}),
        interfaces: [...(ifaceSubnets.get(r.id) ?? [])].sort(),
        ...(g && gnet
          ? {
              gateway: {
                network: gnet.name,
                ...(g.enable_snat === false ? { enable_snat: false } : {}),
                ips: g.external_fixed_ips.filter((f) => subById.has(f.subnet_id)).map(fixed).sort(byKey((f) => addressKey(f.ip))),
              },
            }
          : {}),
        ...(r.routes.length ? { routes: r.routes.map((x) => ({ destination: x.destination, nexthop: x.nexthop })).sort(byKey((x) => cidrKey(x.destination) + addressKey(x.nexthop))) } : {}),
      };
    }),
    ports: userPorts
      .map((p) => ({
        network: netById.get(p.network_id)!.name,
        ...(p.name ? { name: p.name } : {}),
        project: p.project_id,
        ips: p.fixed_ips.filter((f) => subById.has(f.subnet_id)).map(fixed),
        mac_address: p.mac_address.toLowerCase(),
        ...(p.device_owner ? { device_owner: p.device_owner } : {}),
        ...(p.device_id ? { device_id: p.device_id } : {}),
        ...(!p.admin_state_up ? { admin_state_up: false } : {}),
      }))
      .sort(byKey((p) => `${p.network}\u0000${addressKey(p.ips[0]?.ip ?? '')}`)),
    floating_ips: fips
      .filter((f) => netById.has(f.floating_network_id))
      .map((f: FloatingIp) => {
        const port = f.port_id ? portById.get(f.port_id) : undefined;
        return {
          address: f.floating_ip_address,
          network: netById.get(f.floating_network_id)!.name,
          project: f.project_id,
          ...(port ? { port: { network: portRef(port).network, ip: f.fixed_ip_address ?? portRef(port).ip } } : {}),
        };
      })
      .sort(byKey((f) => addressKey(f.address))),
  };

  // View state: resource ids in keys become {kind:name} tokens; entries naming anything else go.
  const token = new Map<string, string>();
  for (const p of pods) token.set(p.pod_id, `{pod:${p.region_name}}`);
  for (const n of own) token.set(n.id, `{network:${n.name}}`);
  for (const s of subById.values()) token.set(s.id, `{subnet:${subKey(s)}}`);
  for (const r of routers) token.set(r.id, `{router:${r.name}}`);
  for (const p of userPorts) token.set(p.id, `{port:${portRef(p).network}/${portRef(p).ip}}`);
  for (const f of fips) token.set(f.id, `{fip:${f.floating_ip_address}}`);
  const tokenize = (s: string): string | null => {
    let ok = true;
    const out = s.replace(VIEW_ID, (id) => token.get(id.toLowerCase()) ?? ((ok = false), id));
    return ok ? out : null;
  };
  const rows = e.store.db.prepare('SELECT view, state FROM view_state ORDER BY view').all() as { view: string; state: string }[];
  const views: Record<string, ViewState> = {};
  for (const row of rows) {
    const key = tokenize(row.view);
    if (key === null) continue;
    const st = JSON.parse(row.state) as ViewState;
    const positions: ViewState['positions'] = {};
    for (const [k, v] of Object.entries(st.positions ?? {})) {
      const tk = tokenize(k);
      if (tk !== null) positions[tk] = { x: v.x, y: v.y };
    }
    const sorted: ViewState['positions'] = {};
    for (const k of Object.keys(positions).sort()) sorted[k] = positions[k];
    const collapsed = (st.collapsed ?? []).map(tokenize).filter((c): c is string => c !== null).sort();
    views[key] = { positions: sorted, collapsed, ...(st.project !== undefined ? { project: st.project } : {}) };
  }
  const viewKeys = Object.keys(views).sort();
  if (viewKeys.length) doc.views = Object.fromEntries(viewKeys.map((k) => [k, views[k]]));
  for (const k of ['external_networks', 'networks', 'routers', 'ports', 'floating_ips'] as const) if (doc[k]?.length === 0) delete doc[k];
  return { document: doc, text: JSON.stringify(doc, null, 2) + '\n' };
}

export interface DocumentIssue {
  path: string;
  message: string;
}

function refuse(issues: DocumentIssue[]): never {
  const shown = issues.slice(0, 20).map((i) => `${i.path || '(document)'}: ${i.message}`);
  throw new CrosspodError('LAB_DOCUMENT_INVALID', `The lab document is broken: ${shown.join('; ')}${issues.length > 20 ? `; and ${issues.length - 20} more` : ''}`, { issues });
}

function parseCidr(c: string): Address4 | Address6 | null {
  try {
    return c.includes(':') ? new Address6(c) : new Address4(c);
  } catch {
    return null;
  }
}
function inCidr(ip: string, c: string): boolean {
  const net = parseCidr(c);
  if (!net) return false;
  try {
    const a = ip.includes(':') ? new Address6(ip) : new Address4(ip);
    return a.v4 === net.v4 && a.isInSubnet(net as never);
  } catch {
    return false;
  }
}
function hostBitsZero(c: string): boolean {
  const net = parseCidr(c);
  return net !== null && net.startAddress().correctForm() === net.correctForm();
}

/** Validates a document: its shape (zod), then names and references. Throws LAB_DOCUMENT_INVALID. */
export function checkDocument(input: unknown): LabDocument {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) refuse([{ path: '', message: 'a lab document is a JSON object with "crosspod_lab": 1' }]);
  const version = (input as { crosspod_lab?: unknown }).crosspod_lab;
  if (version !== LAB_DOCUMENT_VERSION) refuse([{ path: 'crosspod_lab', message: version === undefined ? 'missing: a lab document starts with "crosspod_lab": 1' : `version ${JSON.stringify(version)} is not supported: this Crosspod reads version ${LAB_DOCUMENT_VERSION}` }]);
  const parsed = labDocument.safeParse(input);
  if (!parsed.success) refuse(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const d = parsed.data;
  const issues: DocumentIssue[] = [];
  const bad = (path: string, message: string) => issues.push({ path, message });

  const tops = d.pods.filter((p) => p.top);
  if (d.pods.length > 0 && tops.length !== 1) bad('pods', `exactly one pod is the top pod ("top": true), not ${tops.length}`);
  const regions = new Map<string, number>();
  const azs = new Set<string>();
  d.pods.forEach((p, i) => {
    if (regions.has(p.region)) bad(`pods.${i}.region`, `duplicate name: pod ${p.region} is already pods.${regions.get(p.region)}`);
    regions.set(p.region, i);
    if (!p.top && !p.az) bad(`pods.${i}.az`, `pod ${p.region} needs an availability zone (only the top pod has none)`);
    if (p.top && p.az) bad(`pods.${i}.az`, 'the top pod has no availability zone');
    if (p.az) azs.add(p.az);
    if ((p.driver ?? 'lab') === 'neutron' && !p.neutron) bad(`pods.${i}.neutron`, `pod ${p.region} uses the neutron driver: give its endpoint or auth_url`);
    if ((p.driver ?? 'lab') === 'lab' && p.neutron) bad(`pods.${i}.neutron`, `pod ${p.region} is a lab pod: neutron settings belong to "driver": "neutron"`);
  });
  if (d.bridge) {
    if (d.bridge.vlan_min > d.bridge.vlan_max) bad('bridge.vlan_max', `the VLAN range ${d.bridge.vlan_min}-${d.bridge.vlan_max} is empty`);
    for (const k of ['ew_pool', 'ns_pool'] as const) if (!hostBitsZero(d.bridge[k])) bad(`bridge.${k}`, `bad CIDR ${d.bridge[k]}: host bits are set`);
  }

  const nets = new Map<string, { path: string; external: boolean; subnets: Map<string, string> }>();
  const subnetNet = new Map<string, { net: string; cidr: string; path: string }>();
  const addSubnets = (netName: string, path: string, subs: LabSubnetDoc[] | undefined, into: Map<string, string>) => {
    (subs ?? []).forEach((s, j) => {
      const sp = `${path}.subnets.${j}`;
      const key = s.name || s.cidr;
      if (!hostBitsZero(s.cidr)) bad(`${sp}.cidr`, `bad CIDR ${s.cidr}: host bits are set (use its network address)`);
      if (subnetNet.has(key)) bad(s.name ? `${sp}.name` : `${sp}.cidr`, `duplicate name: subnet ${key} is already ${subnetNet.get(key)!.path}`);
      else subnetNet.set(key, { net: netName, cidr: s.cidr, path: sp });
      into.set(key, s.cidr);
      if (s.gateway_ip && !inCidr(s.gateway_ip, s.cidr)) bad(`${sp}.gateway_ip`, `${s.gateway_ip} is not in ${s.cidr}`);
      (s.allocation_pools ?? []).forEach((p, k) => {
        if (!inCidr(p.start, s.cidr)) bad(`${sp}.allocation_pools.${k}.start`, `${p.start} is not in ${s.cidr}`);
        if (!inCidr(p.end, s.cidr)) bad(`${sp}.allocation_pools.${k}.end`, `${p.end} is not in ${s.cidr}`);
      });
    });
  };
  const addNet = (n: { name: string }, path: string, external: boolean, subs: LabSubnetDoc[] | undefined) => {
    if (nets.has(n.name)) bad(`${path}.name`, `duplicate name: network ${n.name} is already ${nets.get(n.name)!.path}`);
    const entry = { path, external, subnets: new Map<string, string>() };
    if (!nets.has(n.name)) nets.set(n.name, entry);
    addSubnets(n.name, path, subs, entry.subnets);
  };
  (d.external_networks ?? []).forEach((n, i) => {
    const path = `external_networks.${i}`;
    if (!regions.has(n.pod)) bad(`${path}.pod`, `unknown reference: there is no pod ${n.pod}`);
    addNet(n, path, true, n.subnets);
  });
  (d.networks ?? []).forEach((n, i) => {
    const path = `networks.${i}`;
    (n.availability_zone_hints ?? []).forEach((h, k) => {
      if (!azs.has(h) && !regions.has(h)) bad(`${path}.availability_zone_hints.${k}`, `unknown reference: no pod has the availability zone or region ${h}`);
    });
    addNet(n, path, false, n.subnets);
  });
  const fixedIps = (path: string, netName: string, ips: { subnet: string; ip: string }[]) => {
    ips.forEach((f, k) => {
      const s = subnetNet.get(f.subnet);
      if (!s) bad(`${path}.${k}.subnet`, `unknown reference: there is no subnet ${f.subnet}`);
      else if (s.net !== netName) bad(`${path}.${k}.subnet`, `subnet ${f.subnet} is in network ${s.net}, not ${netName}`);
      else if (!inCidr(f.ip, s.cidr)) bad(`${path}.${k}.ip`, `${f.ip} is not in subnet ${f.subnet} (${s.cidr})`);
    });
  };

  const routers = new Map<string, string>();
  (d.routers ?? []).forEach((r, i) => {
    const path = `routers.${i}`;
    if (routers.has(r.name)) bad(`${path}.name`, `duplicate name: router ${r.name} is already ${routers.get(r.name)}`);
    routers.set(r.name, path);
    (r.interfaces ?? []).forEach((s, k) => {
      const sub = subnetNet.get(s);
      if (!sub) bad(`${path}.interfaces.${k}`, `unknown reference: there is no subnet ${s}`);
      else if (nets.get(sub.net)?.external) bad(`${path}.interfaces.${k}`, `subnet ${s} is on the external network ${sub.net}: use "gateway"`);
    });
    if (r.gateway) {
      const g = nets.get(r.gateway.network);
      if (!g) bad(`${path}.gateway.network`, `unknown reference: there is no network ${r.gateway.network}`);
      else if (!g.external) bad(`${path}.gateway.network`, `network ${r.gateway.network} is not external`);
      else fixedIps(`${path}.gateway.ips`, r.gateway.network, r.gateway.ips ?? []);
    }
  });

  const fixedAddrs = new Map<string, string>();
  (d.ports ?? []).forEach((p, i) => {
    const path = `ports.${i}`;
    if (!nets.has(p.network)) return bad(`${path}.network`, `unknown reference: there is no network ${p.network}`);
    fixedIps(`${path}.ips`, p.network, p.ips);
    for (const f of p.ips) {
      const key = `${p.network}/${f.ip}`;
      if (fixedAddrs.has(key)) bad(`${path}.ips`, `duplicate address: ${f.ip} in ${p.network} is already ${fixedAddrs.get(key)}`);
      fixedAddrs.set(key, path);
    }
  });
  const floating = new Map<string, string>();
  (d.floating_ips ?? []).forEach((f, i) => {
    const path = `floating_ips.${i}`;
    if (floating.has(f.address)) bad(`${path}.address`, `duplicate address: ${f.address} is already ${floating.get(f.address)}`);
    floating.set(f.address, path);
    const n = nets.get(f.network);
    if (!n) bad(`${path}.network`, `unknown reference: there is no network ${f.network}`);
    else if (!n.external) bad(`${path}.network`, `network ${f.network} is not external`);
    else if (![...n.subnets.values()].some((c) => inCidr(f.address, c))) bad(`${path}.address`, `${f.address} is in no subnet of ${f.network}`);
    if (f.port && !fixedAddrs.has(`${f.port.network}/${f.port.ip}`)) bad(`${path}.port`, `unknown reference: no port in the document has ${f.port.ip} in network ${f.port.network}`);
  });

  const known: Record<string, (v: string) => boolean> = {
    pod: (v) => regions.has(v),
    network: (v) => nets.has(v),
    subnet: (v) => subnetNet.has(v),
    router: (v) => routers.has(v),
    port: (v) => fixedAddrs.has(v),
    fip: (v) => floating.has(v),
  };
  const checkTokens = (path: string, s: string) => {
    for (const m of s.matchAll(VIEW_TOKEN)) if (!known[m[1]](m[2])) bad(path, `unknown reference: ${m[0]} names no ${m[1]} of the document`);
  };
  for (const [view, st] of Object.entries(d.views ?? {})) {
    checkTokens(`views.${view}`, view);
    for (const k of Object.keys(st.positions)) checkTokens(`views.${view}.positions.${k}`, k);
    st.collapsed.forEach((c, k) => checkTokens(`views.${view}.collapsed.${k}`, c));
  }
  if (issues.length) refuse(issues);
  return d;
}

/** The bridge settings a document asks for (the defaults when it names none). */
export function documentBridge(d: LabDocument): BridgeSettings {
  return d.bridge ? { ...d.bridge } : { ...defaultSettings.bridge };
}

/** How many steps a replay takes: what progress counts. */
export function replaySteps(d: LabDocument): number {
  let n = d.pods.length;
  for (const x of d.external_networks ?? []) n += x.subnets.length;
  for (const x of d.networks ?? []) n += 1 + (x.subnets?.length ?? 0);
  for (const r of d.routers ?? []) n += 1 + (r.interfaces?.length ?? 0) + (r.gateway ? 1 : 0) + (r.routes?.length ? 1 : 0);
  n += (d.ports?.length ?? 0) + (d.floating_ips?.length ?? 0) + Object.keys(d.views ?? {}).length;
  return n;
}

/** Builds a checked document into an empty lab through the engine's own operations. */
export async function replayDocument(e: Caller, d: LabDocument, progress: (done: number, total: number, step: string) => void): Promise<void> {
  const total = replaySteps(d);
  let done = 0;
  let lastStep = '';
  const tick = (step: string) => {
    done++;
    // Not every call: a 2,000-floating-IP lab reports each kind and every 100th step.
    if (step !== lastStep || done % 100 === 0 || done === total) progress(done, total, step);
    lastStep = step;
  };
  const call = async <M extends Method>(m: M, input: unknown, what: string): Promise<Output<M>> => {
    try {
      return await e.call(m, input, { actor: 'labs.import' });
    } catch (err) {
      const c = err as CrosspodError;
      throw new CrosspodError('LAB_IMPORT_FAILED', `Replaying ${what} failed: ${c.code ?? 'INTERNAL'}: ${c.message}`, { step: what, method: m, error: { code: c.code, message: c.message, details: c.details } });
    }
  };
  const ids = new Map<string, string>();
  const top = d.pods.filter((p) => p.top);
  for (const p of [...top, ...d.pods.filter((x) => !x.top)]) {
    const created = await call(
      'pods.create',
      {
        region_name: p.region,
        ...(p.az ? { az_name: p.az } : {}),
        ...(p.pod_az ? { pod_az_name: p.pod_az } : {}),
        ...(p.dc ? { dc_name: p.dc } : {}),
        ...(p.driver ? { driver: p.driver } : {}),
        ...(p.neutron ? { driver_config: p.neutron } : {}),
      },
      `pod ${p.region}`,
    );
    ids.set(`pod:${p.region}`, created.pod_id);
    tick('pods');
  }
  const subnetInput = (s: LabSubnetDoc, external: boolean) => ({
    cidr: s.cidr,
    ...(s.name ? { name: s.name } : {}),
    ...(s.gateway_ip !== undefined ? { gateway_ip: s.gateway_ip } : {}),
    ...(s.allocation_pools ? { allocation_pools: s.allocation_pools } : {}),
    enable_dhcp: s.enable_dhcp ?? !external,
    ...(s.dns_nameservers ? { dns_nameservers: s.dns_nameservers } : {}),
    ...(s.host_routes ? { host_routes: s.host_routes } : {}),
  });
  for (const n of d.external_networks ?? []) {
    const [first, ...rest] = n.subnets;
    const r = await call(
      'networks.createExternal',
      {
        name: n.name,
        project_id: n.project,
        region_name: n.pod,
        ...(n.network_type ? { 'provider:network_type': n.network_type } : {}),
        ...(n.physical_network ? { 'provider:physical_network': n.physical_network } : {}),
        subnet: subnetInput(first, true),
      },
      `external network ${n.name}`,
    );
    ids.set(`network:${n.name}`, r.network.id);
    ids.set(`subnet:${first.name || first.cidr}`, r.subnet.id);
    tick('external networks');
    for (const s of rest) {
      const sub = await call('subnets.create', { network_id: r.network.id, ...subnetInput(s, true) }, `subnet ${s.name || s.cidr}`);
      ids.set(`subnet:${s.name || s.cidr}`, sub.id);
      tick('external networks');
    }
  }
  for (const n of d.networks ?? []) {
    const net = await call(
      'networks.create',
      {
        name: n.name,
        project_id: n.project,
        ...(n.availability_zone_hints ? { availability_zone_hints: n.availability_zone_hints } : {}),
        ...(n.network_type ? { 'provider:network_type': n.network_type } : {}),
        ...(n.physical_network ? { 'provider:physical_network': n.physical_network } : {}),
        ...(n.segmentation_id !== undefined ? { 'provider:segmentation_id': n.segmentation_id } : {}),
        ...(n.shared !== undefined ? { shared: n.shared } : {}),
        ...(n.admin_state_up !== undefined ? { admin_state_up: n.admin_state_up } : {}),
      },
      `network ${n.name}`,
    );
    ids.set(`network:${n.name}`, net.id);
    tick('networks');
    for (const s of n.subnets ?? []) {
      const sub = await call('subnets.create', { network_id: net.id, ...subnetInput(s, false) }, `subnet ${s.name || s.cidr}`);
      ids.set(`subnet:${s.name || s.cidr}`, sub.id);
      tick('networks');
    }
  }
  for (const r of d.routers ?? []) {
    const router = await call('routers.create', { name: r.name, project_id: r.project, ...(r.admin_state_up !== undefined ? { admin_state_up: r.admin_state_up } : {}) }, `router ${r.name}`);
    ids.set(`router:${r.name}`, router.id);
    tick('routers');
  }
  // User ports before interfaces and gateways: their addresses are the document's, not IPAM's next.
  for (const p of d.ports ?? []) {
    const port = await call(
      'ports.create',
      {
        network_id: ids.get(`network:${p.network}`),
        ...(p.name ? { name: p.name } : {}),
        ...(p.project ? { project_id: p.project } : {}),
        fixed_ips: p.ips.map((f) => ({ subnet_id: ids.get(`subnet:${f.subnet}`), ip_address: f.ip })),
        ...(p.mac_address ? { mac_address: p.mac_address } : {}),
        ...(p.device_owner ? { device_owner: p.device_owner } : {}),
        ...(p.device_id ? { device_id: p.device_id } : {}),
      },
      `port ${p.ips[0].ip} in ${p.network}`,
    );
    if (p.admin_state_up === false) await call('ports.update', { id: port.id, admin_state_up: false }, `port ${p.ips[0].ip} in ${p.network}`);
    for (const f of p.ips) ids.set(`port:${p.network}/${f.ip}`, port.id);
    tick('ports');
  }
  for (const r of d.routers ?? []) {
    for (const s of r.interfaces ?? []) {
      await call('routers.addInterface', { id: ids.get(`router:${r.name}`), subnet_id: ids.get(`subnet:${s}`) }, `interface of router ${r.name} on ${s}`);
      tick('router interfaces');
    }
  }
  for (const r of d.routers ?? []) {
    if (!r.gateway) continue;
    const g = r.gateway;
    await call(
      'routers.setGateway',
      {
        id: ids.get(`router:${r.name}`),
        network_id: ids.get(`network:${g.network}`),
        ...(g.enable_snat !== undefined ? { enable_snat: g.enable_snat } : {}),
        ...(g.ips?.length ? { external_fixed_ips: g.ips.map((f) => ({ subnet_id: ids.get(`subnet:${f.subnet}`), ip_address: f.ip })) } : {}),
      },
      `gateway of router ${r.name}`,
    );
    tick('router gateways');
  }
  for (const r of d.routers ?? []) {
    if (!r.routes?.length) continue;
    await call('routers.update', { id: ids.get(`router:${r.name}`), routes: r.routes }, `routes of router ${r.name}`);
    tick('router routes');
  }
  for (const f of d.floating_ips ?? []) {
    const fip = await call(
      'fips.create',
      {
        floating_network_id: ids.get(`network:${f.network}`),
        floating_ip_address: f.address,
        ...(f.project ? { project_id: f.project } : {}),
        ...(f.port ? { port_id: ids.get(`port:${f.port.network}/${f.port.ip}`), fixed_ip_address: f.port.ip } : {}),
      },
      `floating IP ${f.address}`,
    );
    ids.set(`fip:${f.address}`, fip.id);
    tick('floating IPs');
  }
  const untoken = (s: string) => s.replace(VIEW_TOKEN, (_m, kind: string, v: string) => ids.get(`${kind}:${v}`) ?? _m);
  for (const [view, st] of Object.entries(d.views ?? {})) {
    const positions: ViewState['positions'] = {};
    for (const [k, v] of Object.entries(st.positions)) positions[untoken(k)] = v;
    await call('view.set', { view: untoken(view), state: { positions, collapsed: st.collapsed.map(untoken), ...(st.project !== undefined ? { project: st.project } : {}) } }, `view ${view}`);
    tick('views');
  }
}
