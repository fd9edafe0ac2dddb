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
      <span className="id-label">{label || `${id.slice(0, 8)}…`}</span>
      <button type="button" className="link copy" onClick={copy} aria-label={`Copy id ${id}`} title={`Copy ${id}`}>
        {copied ? '✓' : '⧉'}
      </button>
    </span>
  );
}
