import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { act } from '../data/actions';
import { useCall } from '../data/query';
import { Pager, SortTh, useFilter, usePagedList } from '../components/Table';
import { LoadError, ViewHeader, when } from './common';

const TABLE = 'audit';

export function Audit() {
  const list = usePagedList(TABLE, 'audit.list');
  const [operation, setOperation] = useFilter(TABLE, 'operation');
  const [result, setResult] = useFilter(TABLE, 'result_code');
  // What the engine can undo in this lab (this session's actions that have an inverse).
  const undo = useCall('undo.state', {}).data;
  const undoable = new Map((undo?.undo ?? []).map((u) => [u.audit_id, u]));
  const lastUndo = undo?.undo[0];
  const lastRedo = undo?.redo[0];
  return (
    <div className="view" data-testid="view-audit">
      <ViewHeader title="Audit log" loading={list.loading}>
        <ActionButton action="undo.undo" testId="audit-undo-last" disabled={!lastUndo} title={lastUndo ? `Undo ${lastUndo.text}` : 'Nothing to undo'} onClick={() => void act('undo.undo', 'undo.undo', {})}>
          {lastUndo ? `Undo ${lastUndo.text}` : 'Undo'}
        </ActionButton>
        <ActionButton action="undo.redo" testId="audit-redo-last" disabled={!lastRedo} title={lastRedo ? `Redo ${lastRedo.text}` : 'Nothing to redo'} onClick={() => void act('undo.redo', 'undo.redo', {})}>
          {lastRedo ? `Redo ${lastRedo.text}` : 'Redo'}
        </ActionButton>
      </ViewHeader>
      <ErrorBanner action="undo.undo" testId="error-audit-undo" />
      <ErrorBanner action="undo.redo" testId="error-audit-redo" />
      <form className="toolbar" aria-label="Filter audit log" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="audit-op">Operation</label>
        <input id="audit-op" defaultValue={operation} onBlur={(e) => setOperation(e.target.value.trim())} onKeyDown={(e) => e.key === 'Enter' && setOperation(e.currentTarget.value.trim())} placeholder="e.g. fips.associate" data-testid="audit-filter-operation" />
        <label htmlFor="audit-result">Result</label>
        <input id="audit-result" defaultValue={result} onBlur={(e) => setResult(e.target.value.trim())} onKeyDown={(e) => e.key === 'Enter' && setResult(e.currentTarget.value.trim())} placeholder="OK or an error code" data-testid="audit-filter-result" />
      </form>
      <LoadError error={list.error} testId="error-audit-load" />
      {list.loaded && !list.total ? (
        <EmptyState title="No audit entries" testId="empty-audit">
          Every mutation is recorded here with who did it and its result.
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="audit-table">
              <thead>
                <tr>
                  <SortTh table={TABLE} sortKey="at">
                    When
                  </SortTh>
                  <SortTh table={TABLE} sortKey="actor">
                    Actor
                  </SortTh>
                  <SortTh table={TABLE} sortKey="operation">
                    Operation
                  </SortTh>
                  <th>Input</th>
                  <SortTh table={TABLE} sortKey="result_code">
                    Result
                  </SortTh>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {list.rows.map((a) => (
                  <tr key={a.id} data-testid={`audit-row-${a.id}`}>
                    <td className="nowrap">
                      <small>{when(a.at)}</small>
                    </td>
                    <td>{a.actor}</td>
                    <td>
                      <code>{a.operation}</code>
                    </td>
                    <td>
                      <small className="mono clip" title={`${a.input_summary}\n${a.resource_ids.join('\n')}`}>
                        {a.input_summary}
                      </small>
                    </td>
                    <td>
                      <code className={a.result_code === 'OK' ? 'ok' : 'error-code'}>{a.result_code}</code>
                    </td>
                    <td className="nowrap">
                      {undoable.has(a.id) && (
                        <ActionButton action={`audit.undo:${a.id}`} testId="audit-undo" variant="ghost" title={`Undo ${undoable.get(a.id)!.text}`} onClick={() => void act(`audit.undo:${a.id}`, 'audit.undo', { id: a.id })}>
                          Undo
                        </ActionButton>
                      )}
                      <ErrorBanner action={`audit.undo:${a.id}`} testId="error-audit-row-undo" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager table={TABLE} list={list} testId="audit-pager" unit="entries" />
        </>
      )}
    </div>
  );
}
