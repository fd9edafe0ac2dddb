// A floating IP's NAT chain as the bottom pods hold it:
// two-step: external (pod) → bridge (network, VLAN) → fixed (pod); same-pod: external → fixed;
// unbound: the external address alone.
import { memo } from 'react';
import type { FipHop, FipPath } from '../../shared/model';

function hopWhere(h: FipHop): string {
  if (h.role === 'bridge') return [h.network_name, h.vlan != null ? `VLAN ${h.vlan}` : null].filter(Boolean).join(', ');
  return h.region;
}

/** How old the bottoms' answer is, for the chain's title. */
export function observedAge(observedAt: string | undefined, now: number = Date.now()): string | null {
  if (!observedAt) return null;
  const s = Math.max(0, Math.round((now - Date.parse(observedAt)) / 1000));
  return s < 60 ? `read from the pods ${s} s ago` : `read from the pods ${Math.round(s / 60)} min ago`;
}

export const HopChain = memo(function HopChain({ path, now }: { path: FipPath; now?: number }) {
  const age = observedAge(path.observed_at, now);
  return (
    <ol className="hops" data-testid="hop-chain" data-mode={path.mode} aria-label="NAT path" title={[hopChainText(path), age].filter(Boolean).join('\n')}>
      {path.hops.map((h, i) => (
        <li
          key={`${h.role}-${i}`}
          className={`hop hop-${h.role}${h.error ? ' hop-unreachable' : ''}`}
          data-testid={`hop-${i}`}
          data-role={h.role}
          data-unreachable={h.error ? h.error.code : undefined}
          // A pod that did not answer: the hop is what the top says, marked with the pod's error.
          title={`${h.role} address on ${h.network_name || h.network_id} in ${h.region}${h.error ? ` — ${h.region} unreachable: ${h.error.code} ${h.error.message}` : ''}`}
        >
          {h.error && <span className="hop-warn" aria-label={`${h.region} unreachable`}>⚠ </span>}
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
