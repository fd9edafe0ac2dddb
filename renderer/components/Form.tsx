// Small form building blocks: labelled fields with their error, and a submit button that shows
// progress and is disabled while its action runs.
import { useId, type ReactNode } from 'react';
import { useApp } from '../store';
import { Spinner } from './Spinner';

export function Field({
  label,
  error,
  name,
  children,
  hint,
}: {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const errId = `${id}-err`;
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': !!error, ...(error ? { 'aria-describedby': errId } : {}) })}
      {hint && !error && <small className="hint">{hint}</small>}
      {error && (
        <small className="field-error" id={errId} data-testid={`field-error-${name}`}>
          {error}
        </small>
      )}
    </div>
  );
}

export function useBusy(action: string): boolean {
  return useApp((s) => !!s.busy[action]);
}

export function ActionButton({
  action,
  children,
  testId,
  onClick,
  type = 'button',
  variant,
  disabled,
  title,
}: {
  action: string;
  children: ReactNode;
  testId: string;
  onClick?: () => void;
  type?: 'button' | 'submit';
  variant?: 'primary' | 'danger' | 'ghost';
  disabled?: boolean;
  title?: string;
}) {
  const busy = useBusy(action);
  return (
    <button
      type={type}
      className={`btn${variant ? ` ${variant}` : ''}`}
      data-testid={testId}
      disabled={busy || disabled}
      aria-busy={busy}
      onClick={onClick}
      title={title}
    >
      {busy && <Spinner />}
      {children}
    </button>
  );
}
