import { useEffect, useRef } from 'react';

export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: 'g o', what: 'Overview' },
  { keys: 'g p', what: 'Pods' },
  { keys: 'g e', what: 'External networks' },
  { keys: 'g n', what: 'Networks & subnets' },
  { keys: 'g r', what: 'Routers' },
  { keys: 'g v', what: 'Ports (VM ports)' },
  { keys: 'g f', what: 'Floating IPs' },
  { keys: 'g t', what: 'Topology' },
  { keys: 'g j', what: 'Jobs' },
  { keys: 'g l', what: 'Routing table' },
  { keys: 'g a', what: 'Audit log' },
  { keys: '/', what: 'Search floating IPs' },
  { keys: '?', what: 'This help' },
  { keys: 'Esc', what: 'Close help / clear selection' },
];

export function KeyboardHelp({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="overlay" onClick={onClose} data-testid="keyboard-help-overlay">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="kbd-help-title"
        data-testid="keyboard-help"
        onClick={(e) => e.stopPropagation()}
      >
        <header>
          <h2 id="kbd-help-title">Keyboard shortcuts</h2>
          <button ref={ref} type="button" className="btn ghost" onClick={onClose} data-testid="keyboard-help-close" aria-label="Close">
            ×
          </button>
        </header>
        <dl className="shortcuts">
          {SHORTCUTS.map((s) => (
            <div key={s.keys}>
              <dt>
                {s.keys.split(' ').map((k) => (
                  <kbd key={k}>{k}</kbd>
                ))}
              </dt>
              <dd>{s.what}</dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}
