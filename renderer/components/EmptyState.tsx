import type { ReactNode } from 'react';

/** Says what is missing and what to do next. */
export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId ?? 'empty-state'}>
      <strong>{title}</strong>
      {children && <div className="empty-next">{children}</div>}
    </div>
  );
}
