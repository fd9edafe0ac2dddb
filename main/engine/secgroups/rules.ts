// Neutron's rules for security group rules, shared by the engine (top rules) and the lab driver
// (bottom rules): protocols by name or number, port ranges, the prefix's family, and the key
// two rules are "the same rule" by (SecurityGroupRuleExists).
import { CrosspodError } from '../../../shared/errors';
import { parseIp, bigIntToIp, bitsOf } from '../ipam/cidr';

/** Neutron's protocol names (neutron_lib.constants.IP_PROTOCOL_MAP) and their numbers. */
export const PROTOCOLS: Record<string, number> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};
/** Protocols whose rules may name a port range (Neutron: tcp, udp, dccp, sctp, udplite). */
const PORTED = new Set([6, 17, 33, 132, 136]);
const ICMP = new Set([1, 58]);
const IPV6_ONLY = new Set([41, 43, 44, 58, 59, 60]);

export interface RuleFields {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

const invalid = (message: string, details: Record<string, unknown>) => new CrosspodError('INVALID_SECURITY_GROUP_RULE', message, details);

/** The protocol's number, or null for any protocol. */
export function protocolNumber(p: string | null): number | null {
  if (p === null) return null;
  if (/^\d+$/.test(p)) return Number(p);
  return PROTOCOLS[p] ?? null;
}

/**
 * A rule as Neutron stores it, or INVALID_SECURITY_GROUP_RULE: protocol lower-cased (a number
 * stays a number, as text; `any` is no protocol), a prefix with host bits cleared (Neutron's
 * normalisation), and Neutron's checks between the fields.
 */
export function normalizeRule(r: {
  direction: 'ingress' | 'egress';
  ethertype?: 'IPv4' | 'IPv6';
  protocol?: string | number | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
}): RuleFields {
  const ethertype = r.ethertype ?? 'IPv4';
  let protocol: string | null = r.protocol === undefined || r.protocol === null ? null : String(r.protocol).toLowerCase();
  if (protocol === 'any' || protocol === '') protocol = null;
  if (protocol !== null && !/^\d+$/.test(protocol) && !(protocol in PROTOCOLS)) {
    throw invalid(`Security group rule protocol ${protocol} not supported. Only protocol values ${Object.keys(PROTOCOLS).join(', ')} and integer representations [0 to 255] are supported.`, { protocol });
  }
  if (protocol !== null && /^\d+$/.test(protocol)) {
    if (Number(protocol) > 255) throw invalid(`Security group rule protocol ${protocol} not supported: integers run 0 to 255`, { protocol });
    protocol = String(Number(protocol));
  }
  const num = protocolNumber(protocol);
  const min = r.port_range_min ?? null;
  const max = r.port_range_max ?? null;
  if (num !== null && IPV6_ONLY.has(num) && ethertype === 'IPv4') {
    throw invalid(`Ethertype IPv4 is not supported with protocol ${protocol}: it is an IPv6 protocol`, { ethertype, protocol });
  }
  if (min !== null || max !== null) {
    if (num !== null && PORTED.has(num)) {
      if (min === null) throw invalid('port_range_min is required when port_range_max is given', { port_range_min: min, port_range_max: max });
      if (min === 0 || max === 0) throw invalid('Invalid value for port 0', { port_range_min: min, port_range_max: max });
      if (max !== null && min > max) throw invalid('For TCP/UDP protocols, port_range_min must be <= port_range_max', { port_range_min: min, port_range_max: max });
    } else if (num !== null && ICMP.has(num)) {
      if (min === null) throw invalid(`ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`, { port_range_max: max });
      if (min > 255 || (max !== null && max > 255)) throw invalid(`Invalid value for ICMP type or code: ${min}/${max}; they run 0 to 255`, { port_range_min: min, port_range_max: max });
    } else {
      throw invalid(`Port ranges can only be given with protocols tcp, udp, dccp, sctp, udplite, icmp and ipv6-icmp, not ${protocol ?? 'any protocol'}`, { protocol });
    }
  }
  // TCP/UDP with only a minimum: the single port (Neutron fills the maximum in).
  const portMax = max === null && min !== null && num !== null && PORTED.has(num) ? min : max;
  let prefix = r.remote_ip_prefix ?? null;
  const group = r.remote_group_id ?? null;
  if (prefix !== null && group !== null) {
    throw invalid('Only remote_ip_prefix or remote_group_id may be provided.', { remote_ip_prefix: prefix, remote_group_id: group });
  }
  if (prefix !== null) {
    const [addr, len] = prefix.includes('/') ? prefix.split('/') : [prefix, undefined];
    let ip;
    try {
      ip = parseIp(addr);
    } catch {
      throw invalid(`remote_ip_prefix ${prefix} is not an address or a CIDR`, { remote_ip_prefix: prefix });
    }
    const bits = bitsOf(ip.version);
    const plen = len === undefined ? bits : Number(len);
    if (!/^\d+$/.test(len ?? String(bits)) || plen > bits) throw invalid(`remote_ip_prefix ${prefix} has a bad prefix length`, { remote_ip_prefix: prefix });
    if ((ip.version === 6) !== (ethertype === 'IPv6')) {
      throw invalid(`Conflicting value ethertype ${ethertype} for CIDR ${prefix}`, { ethertype, remote_ip_prefix: prefix });
    }
    const size = 1n << BigInt(bits - plen);
    prefix = `${bigIntToIp(ip.value - (ip.value % size), ip.version)}/${plen}`;
  }
  return { direction: r.direction, ethertype, protocol, port_range_min: min, port_range_max: portMax, remote_ip_prefix: prefix, remote_group_id: group };
}

/** A prefix that is every address of its family (or none at all): from anywhere. */
export function isAnywhere(prefix: string | null): boolean {
  return prefix === null || prefix.endsWith('/0');
}

/**
 * What makes two rules the same rule: protocol by number, and "anywhere" written as no prefix
 * or as 0.0.0.0/0 (::/0) alike. `remoteGroup` maps the remote group (a bottom id to its top id).
 */
export function ruleKey(r: RuleFields, remoteGroup: (id: string) => string = (x) => x): string {
  const num = protocolNumber(r.protocol);
  return JSON.stringify([
    r.direction,
    r.ethertype,
    num === null ? r.protocol : num,
    r.port_range_min,
    r.port_range_max,
    isAnywhere(r.remote_ip_prefix) && r.remote_group_id === null ? null : r.remote_ip_prefix,
    r.remote_group_id === null ? null : remoteGroup(r.remote_group_id),
  ]);
}

/** Neutron's rules of a new group: egress anywhere, IPv4 and IPv6. */
export const NEW_GROUP_EGRESS: RuleFields[] = (['IPv4', 'IPv6'] as const).map((ethertype) => ({
  direction: 'egress',
  ethertype,
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  remote_group_id: null,
}));
