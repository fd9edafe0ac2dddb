// What a floating IP's VM admits from outside, as its security groups in its pod say: "open"
// (a rule admits from anywhere, or port security is off), "closed", or the rules that admit only some prefixes.
import type { FipAdmits } from '../../shared/model';

export function admitsText(a: FipAdmits): string {
  if (a.error) return `unknown (${a.error.code})`;
  if (a.port_security_enabled === false) return 'open: port security is off on the VM port, so no security group filters it';
  if (a.rules.length === 0) return 'closed: no ingress rule admits outside traffic';
  return a.rules
    .map((r) => {
      const ports = r.port_range_min === null ? '' : r.port_range_max === null || r.port_range_max === r.port_range_min ? ` ${r.port_range_min}` : ` ${r.port_range_min}-${r.port_range_max}`;
      return `${r.protocol ?? 'any'}${ports} from ${r.anywhere ? 'anywhere' : r.remote_ip_prefix} (${r.security_group_name || r.security_group_id})`;
    })
    .join('; ');
}

export function Admits({ admits, testId = 'fip-admits' }: { admits: FipAdmits | undefined; testId?: string }) {
  if (!admits) return null;
  const label = admits.error ? 'unknown' : admits.ingress ? 'open' : admits.rules.length ? 'some prefixes' : 'closed';
  return (
    <span className={`badge ${admits.ingress ? '' : 'muted'}`} data-testid={testId} data-ingress={String(admits.ingress)} title={admitsText(admits)}>
      inbound {label}
    </span>
  );
}
