export function Spinner({ label = 'Working…' }: { label?: string }) {
  return (
    <span className="spinner" role="status" aria-label={label} data-testid="spinner">
      <span className="spinner-dot" aria-hidden="true" />
    </span>
  );
}

/** A thin indeterminate bar while anything runs. */
export function ProgressBar({ active }: { active: boolean }) {
  return <div className={`progress${active ? ' active' : ''}`} data-testid="progress" aria-hidden={!active} data-active={active} />;
}
