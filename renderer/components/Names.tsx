// Names first: a resource shows its name (and address); its UUID is in the tooltip and one click
// from the clipboard, never the only label.
import { useState } from 'react';

export function IdChip({ id, label, testId }: { id: string; label?: string | null; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(id).then(
      () => setCopied(true),
      () => undefined,
    );
    setTimeout(() => setCopied(false), 1200);
  };
  return (
    <span className="id-chip" title={id} data-testid={testId}>
      <span className={`id-label${label ? '' : ' muted'}`}>{label || '(no name)'}</span>
      <button type="button" className="link copy" onClick={copy} aria-label={`Copy id ${id}`} title={`Copy ${id}`}>
        {copied ? (
          '✓'
        ) : (
          <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
            <rect x="3.5" y="0.5" width="8" height="8" rx="1" fill="none" stroke="currentColor" />
            <rect x="0.5" y="3.5" width="8" height="8" rx="1" fill="var(--panel)" stroke="currentColor" />
          </svg>
        )}
      </button>
    </span>
  );
}
