// The confirmation dialog (role="alertdialog": Cancel first and focused, Escape cancels) and the
// toasts with their Undo buttons.
import { useEffect, useRef } from 'react';
import { useApp } from '../store';
import { ErrorBanner } from './ErrorBanner';
import { ActionButton } from './Form';

export function ConfirmDialog() {
  const c = useApp((s) => s.confirming);
  const answer = useApp((s) => s.answer);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!c) return;
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') answer(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [c, answer]);
  if (!c) return null;
  return (
    <div className="overlay" data-testid="confirm-overlay">
      <div className="dialog confirm" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-body" data-testid="confirm-dialog">
        <h2 id="confirm-title" data-testid="confirm-title">
          {c.title}
        </h2>
        <div id="confirm-body">
          {c.lines.map((l) => (
            <p key={l}>{l}</p>
          ))}
        </div>
        <div className="form-actions">
          <button type="button" className="btn" ref={cancelRef} onClick={() => answer(false)} data-testid="confirm-cancel">
            Cancel
          </button>
          <button type="button" className="btn primary danger-fill" onClick={() => answer(true)} data-testid="confirm-ok">
            {c.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const dismiss = useApp((s) => s.dismissToast);
  const run = useApp((s) => s.run);
  if (!toasts.length) return null;
  return (
    <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => (
        <div key={t.id} className="toast" data-testid="toast">
          <span data-testid="toast-message">{t.message}</span>
          {t.undo && (
            <ActionButton
              action={`undo:${t.id}`}
              testId="toast-undo"
              onClick={() =>
                void run(`undo:${t.id}`, t.undo!).then((r) => {
                  if (r !== undefined) dismiss(t.id);
                })
              }
            >
              Undo
            </ActionButton>
          )}
          <button type="button" className="link" aria-label="Dismiss" onClick={() => dismiss(t.id)} data-testid="toast-dismiss">
            ×
          </button>
          <ErrorBanner action={`undo:${t.id}`} testId="toast-undo-error" />
        </div>
      ))}
    </div>
  );
}
