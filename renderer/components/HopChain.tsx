// A floating IP's NAT chain as the bottom pods hold it:
// two-step: external (pod) → bridge (network, VLAN) → fixed (pod); same-pod: external → fixed;
// unbound: the external address alone.
import { memo } from 'react';
import type { FipHop, FipPath } from '../../shared/model';

function hopWhere(h: FipHop): string {
  if (h.role === 'bridge') return [h.network_name, h.vlan != null ? `VLAN ${h.vlan}` : null].filter(Boolean).join(', ');
  return h.region;
}

export const HopChain = memo(function HopChain({ path }: { path: FipPath }) {
  return (
    <ol className="hops" data-testid="hop-chain" data-mode={path.mode} aria-label="NAT path" title={hopChainText(path)}>
      {path.hops.map((h, i) => (
        <li
          key={`${h.role}-${i}`}
          className={`hop hop-${h.role}`}
          data-testid={`hop-${i}`}
          data-role={h.role}
          title={`${h.role} address on ${h.network_name || h.network_id} in ${h.region}`}
        >
          <span className="hop-addr">{h.address}</span> <span className="hop-where">({hopWhere(h)})</span>
        </li>
      ))}
      {path.mode === 'unbound' && (
        <li className="hop-note" data-testid="hop-unbound">
          not associated
        </li>
      )}
    </ol>
  );
});

/** The chain as one line of text (for titles and copy). */
export function hopChainText(path: FipPath): string {
  return path.hops.map((h) => `${h.address} (${hopWhere(h)})`).join(' → ');
}
