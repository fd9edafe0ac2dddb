// Version documents and the extension list: what clients read before they act.

const UPDATED = '2025-01-01T00:00:00-00:00';

/** Only what this mapping really serves; clients switch features on these aliases. */
export const EXTENSIONS: readonly { alias: string; name: string; description: string }[] = [
  { alias: 'router', name: 'Neutron L3 Router', description: 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.' },
  { alias: 'external-net', name: 'Neutron external network', description: 'Adds external network attribute to network resource.' },
  { alias: 'ext-gw-mode', name: 'Neutron L3 Configurable external gateway mode', description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway' },
  { alias: 'extraroute', name: 'Neutron Extra Route', description: 'Extra routes configuration for L3 router' },
  { alias: 'extraroute-atomic', name: 'Atomically add/remove extra routes', description: 'Edit extra routes of a router on server side by atomically adding/removing extra routes' },
  { alias: 'availability_zone', name: 'Availability Zone', description: 'The availability zone extension.' },
  { alias: 'network_availability_zone', name: 'Network Availability Zone', description: 'Availability zone support for network.' },
  { alias: 'provider', name: 'Provider Network', description: 'Expose mapping of virtual networks to physical networks' },
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.' },
  { alias: 'port-security', name: 'Port Security', description: 'Provides port security' },
  { alias: 'stateful-security-group', name: 'Stateful security group', description: 'Indicates if the security group is stateful or not' },
  { alias: 'pagination', name: 'Pagination support', description: 'Extension that indicates that pagination is enabled.' },
];

export const extensionBody = (e: (typeof EXTENSIONS)[number]) => ({ ...e, updated: UPDATED, links: [] });

export function versionsDoc(origin: string) {
  return { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${origin}/v2.0/`, rel: 'self' }] }] };
}

export function resourcesDoc(origin: string, collections: { singular: string; collection: string }[]) {
  return {
    resources: collections.map((c) => ({ name: c.singular, collection: c.collection, links: [{ href: `${origin}/v2.0/${c.collection}`, rel: 'self' }] })),
  };
}
