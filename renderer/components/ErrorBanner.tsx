import type { ErrorInfo } from '../api/errors';
import { useApp } from '../store';

/** The last error of one action, shown where the action was taken: code, then message. */
export function ErrorBanner({ action, error: given, testId }: { action?: string; error?: ErrorInfo | null; testId?: string }) {
  const stored = useApp((s) => (action ? s.errors[action] : undefined));
  const clearError = useApp((s) => s.clearError);
  const error = given ?? stored;
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-testid={testId ?? 'error-banner'} data-code={error.code}>
      <code className="error-code" data-testid="error-code">
        {error.code}
      </code>
      <span className="error-message" data-testid="error-message">
        {error.message}
      </span>
      {action && !given && (
        <button type="button" className="link" aria-label="Dismiss error" data-testid="error-dismiss" onClick={() => clearError(action)}>
          ×
        </button>
      )}
    </div>
  );
}

/** A row's action errors in a full-width row under it, so a long message never reshapes the table. */
export function RowErrors({ banners, colSpan }: { banners: [action: string, testId: string][]; colSpan: number }) {
  const any = useApp((s) => banners.some(([a]) => !!s.errors[a]));
  if (!any) return null;
  return (
    <tr className="row-detail">
      <td colSpan={colSpan}>
        {banners.map(([a, t]) => (
          <ErrorBanner key={a} action={a} testId={t} />
        ))}
      </td>
    </tr>
  );
}
