import { EmptyState } from '../components/EmptyState';
import { RowErrors } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { IdChip } from '../components/Names';
import { Pager, SortTh, useFilter, usePagedList } from '../components/Table';
import { act } from '../data/actions';
import { useItems } from '../data/query';
import { LoadError, ViewHeader, when } from './common';

const TABLE = 'jobs';

export function Jobs() {
  const list = usePagedList(TABLE, 'jobs.list');
  const routers = useItems('routers.list');
  const [status, setStatus] = useFilter(TABLE, 'status');
  const name = (id: string) => routers.find((r) => r.id === id)?.name;
  return (
    <div className="view" data-testid="view-jobs">
      <ViewHeader title="Jobs" loading={list.loading}>
        <label htmlFor="jobs-status">Status</label>
        <select id="jobs-status" value={status} onChange={(e) => setStatus(e.target.value)} data-testid="jobs-filter-status">
          <option value="">all</option>
          {['NEW', 'RUNNING', 'SUCCESS', 'FAIL'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </ViewHeader>
      <LoadError error={list.error} testId="error-jobs-load" />
      {list.loaded && !list.total ? (
        <EmptyState title="No jobs" testId="empty-jobs">
          Router interface and gateway changes queue router jobs (extra routes); failed ones can be redone here.
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="jobs-table">
              <thead>
                <tr>
                  <SortTh table={TABLE} sortKey="status">
                    Status
                  </SortTh>
                  <SortTh table={TABLE} sortKey="type">
                    Type
                  </SortTh>
                  <th>Resource</th>
                  <th>Project</th>
                  <SortTh table={TABLE} sortKey="timestamp">
                    When
                  </SortTh>
                  <SortTh table={TABLE} sortKey="attempts">
                    Attempts
                  </SortTh>
                  <th>Error</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {list.rows.map((j) => [
                  <tr key={j.id} data-testid={`job-row-${j.id}`} data-status={j.status}>
                    <td>
                      <span className={`status status-${j.status.toLowerCase()}`}>{j.status}</span>
                    </td>
                    <td>{j.type}</td>
                    <td>
                      <IdChip id={j.resource_id} label={name(j.resource_id)} />
                    </td>
                    <td>{j.project_id ?? ''}</td>
                    <td>
                      <small>{when(j.timestamp)}</small>
                    </td>
                    <td>{j.attempts}</td>
                    <td className="wrap">
                      {j.error && (
                        <>
                          <code className="error-code">{j.error.code}</code> <small>{j.error.message}</small>
                        </>
                      )}
                    </td>
                    <td className="actions">
                      {j.status === 'FAIL' && (
                        <ActionButton action={`jobs.redo:${j.id}`} testId="job-redo" onClick={() => void act(`jobs.redo:${j.id}`, 'jobs.redo', { id: j.id })}>
                          Redo
                        </ActionButton>
                      )}
                    </td>
                  </tr>,
                  <RowErrors key={`${j.id}-err`} colSpan={8} banners={[[`jobs.redo:${j.id}`, 'job-redo-error']]} />,
                ])}
              </tbody>
            </table>
          </div>
          <Pager table={TABLE} list={list} testId="jobs-pager" unit="jobs" />
        </>
      )}
    </div>
  );
}
