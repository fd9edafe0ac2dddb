import { useEffect, useState } from 'react';
import { EmptyState } from '../components/EmptyState';
import { useApp } from '../store';
import { LoadError, ViewHeader, when } from './common';
import { Pager } from './Routings';

export function Audit() {
  const audit = useApp((s) => s.audit);
  const loadAudit = useApp((s) => s.loadAudit);
  const setQuery = useApp((s) => s.setAuditQuery);
  const page = useApp((s) => s.auditPage);
  const [operation, setOperation] = useState(audit.query.operation);
  useEffect(() => void loadAudit(), [loadAudit]);
  return (
    <div className="view" data-testid="view-audit">
      <ViewHeader title="Audit log" loading={audit.loading} />
      <form
        className="toolbar"
        aria-label="Filter audit log"
        onSubmit={(e) => {
          e.preventDefault();
          void setQuery({ operation: operation.trim() });
        }}
      >
        <label htmlFor="audit-op">Operation</label>
        <input id="audit-op" value={operation} onChange={(e) => setOperation(e.target.value)} onBlur={() => void setQuery({ operation: operation.trim() })} placeholder="e.g. fips.associate" data-testid="audit-filter-operation" />
        <label htmlFor="audit-result">Result</label>
        <input id="audit-result" defaultValue={audit.query.result_code} onBlur={(e) => void setQuery({ result_code: e.target.value.trim() })} placeholder="OK or an error code" data-testid="audit-filter-result" />
      </form>
      <LoadError error={audit.error} testId="error-audit-load" />
      {audit.loaded && !audit.items.length ? (
        <EmptyState title="No audit entries" testId="empty-audit">
          Every mutation is recorded here with who did it and its result.
        </EmptyState>
      ) : (
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Actor</th>
              <th>Operation</th>
              <th>Input</th>
              <th>Result</th>
              <th>Resources</th>
            </tr>
          </thead>
          <tbody>
            {audit.items.map((a) => (
              <tr key={a.id} data-testid={`audit-row-${a.id}`}>
                <td>
                  <small>{when(a.at)}</small>
                </td>
                <td>{a.actor}</td>
                <td>
                  <code>{a.operation}</code>
                </td>
                <td>
                  <small className="mono clip" title={a.input_summary}>
                    {a.input_summary}
                  </small>
                </td>
                <td>
                  <code className={a.result_code === 'OK' ? 'ok' : 'error-code'}>{a.result_code}</code>
                </td>
                <td>
                  <small className="mono">{a.resource_ids.map((r) => r.slice(0, 8)).join(', ')}</small>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={audit.markers.length} hasNext={!!audit.next_marker} onPrev={() => void page('prev')} onNext={() => void page('next')} testId="audit-pager" />
    </div>
  );
}
