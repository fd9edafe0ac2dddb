import type { ReactNode } from 'react';
import type { ErrorInfo } from '../api/errors';
import { ErrorBanner } from '../components/ErrorBanner';
import { Spinner } from '../components/Spinner';

export function ViewHeader({ title, loading, children }: { title: string; loading?: boolean; children?: ReactNode }) {
  return (
    <header className="view-header">
      <h1>
        {title} {loading && <Spinner label="Loading" />}
      </h1>
      <div className="view-actions">{children}</div>
    </header>
  );
}

/** A load failure for a list, shown above it. */
export function LoadError({ error, testId }: { error: ErrorInfo | null; testId: string }) {
  return error ? <ErrorBanner error={error} testId={testId} /> : null;
}

export function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId} aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
