import { useEffect, useMemo, useState } from 'react';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { useApp } from '../store';
import { LoadError, ViewHeader, when } from './common';

export function Jobs() {
  const jobs = useApp((s) => s.jobs);
  const loadJobs = useApp((s) => s.loadJobs);
  const redoJob = useApp((s) => s.redoJob);
  const [status, setStatus] = useState('');
  useEffect(() => void loadJobs(), [loadJobs]);
  const shown = useMemo(() => (status ? jobs.items.filter((j) => j.status === status) : jobs.items), [jobs.items, status]);
  return (
    <div className="view" data-testid="view-jobs">
      <ViewHeader title="Jobs" loading={jobs.loading}>
        <label htmlFor="jobs-status">Status</label>
        <select id="jobs-status" value={status} onChange={(e) => setStatus(e.target.value)} data-testid="jobs-filter-status">
          <option value="">all</option>
          {['NEW', 'RUNNING', 'SUCCESS', 'FAIL'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </ViewHeader>
      <LoadError error={jobs.error} testId="error-jobs-load" />
      {jobs.loaded && !shown.length ? (
        <EmptyState title="No jobs" testId="empty-jobs">
          Router interface and gateway changes queue router jobs (extra routes); failed ones can be redone here.
        </EmptyState>
      ) : (
        <table className="table" data-testid="jobs-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Type</th>
              <th>Resource</th>
              <th>Project</th>
              <th>When</th>
              <th>Attempts</th>
              <th>Error</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {shown.map((j) => (
              <tr key={j.id} data-testid={`job-row-${j.id}`} data-status={j.status}>
                <td>
                  <span className={`status status-${j.status.toLowerCase()}`}>{j.status}</span>
                </td>
                <td>{j.type}</td>
                <td>
                  <code>{j.resource_id}</code>
                </td>
                <td>{j.project_id ?? ''}</td>
                <td>
                  <small>{when(j.timestamp)}</small>
                </td>
                <td>{j.attempts}</td>
                <td>
                  {j.error && (
                    <>
                      <code className="error-code">{j.error.code}</code> <small>{j.error.message}</small>
                    </>
                  )}
                </td>
                <td className="row-actions">
                  {j.status === 'FAIL' && (
                    <ActionButton action={`jobs.redo:${j.id}`} testId="job-redo" onClick={() => void redoJob(j.id)}>
                      Redo
                    </ActionButton>
                  )}
                  <ErrorBanner action={`jobs.redo:${j.id}`} testId="job-redo-error" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
