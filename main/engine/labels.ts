// How errors name resources: by name and address first, the UUID only when there is no name.
import type { FixedIp } from '../../shared/model';

type Named = { id: string; name: string };

export const routerLabel = (r: Named): string => `router ${r.name || r.id}`;
export const networkLabel = (n: Named): string => `network ${n.name || n.id}`;
export const subnetLabel = (s: Named & { cidr: string }): string => `subnet ${s.name || s.id} (${s.cidr})`;
export const portLabel = (p: Named, ips: FixedIp[] = []): string => {
  const addrs = ips.map((i) => i.ip_address).join(', ');
  if (p.name) return addrs ? `port ${p.name} (${addrs})` : `port ${p.name}`;
  return addrs ? `port ${addrs}` : `port ${p.id}`;
};

/** A label at the start of a sentence. */
export const cap = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
