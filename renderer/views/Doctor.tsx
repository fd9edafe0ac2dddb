// The doctor: a dry run of the drift between the top and the bottoms, a table of findings with
// checkboxes, and the repairs applied for the selected ones (or all). Self-contained: it calls
// the contract client directly and keeps its state to itself.
import { useCallback, useEffect, useState } from 'react';
import type { DoctorFinding, RepairResult } from '../../shared/contract';
import { toErrorInfo, type ErrorInfo } from '../api/errors';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { Spinner } from '../components/Spinner';
import { api } from '../store/client-ref';
import { ViewHeader } from './common';

export function Doctor() {
  const [findings, setFindings] = useState<DoctorFinding[] | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<RepairResult[] | null>(null);
  const [busy, setBusy] = useState<'run' | 'repair' | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const runDoctor = useCallback(async () => {
    setBusy('run');
    setError(null);
    try {
      const { findings: f } = await api()['doctor.run']({});
      setFindings(f);
      setSelected((s) => new Set([...s].filter((id) => f.some((x) => x.id === id))));
    } catch (e) {
      setError(toErrorInfo(e));
    } finally {
      setBusy(null);
    }
  }, []);

  useEffect(() => void runDoctor(), [runDoctor]);

  const repair = async (input: { ids: string[] } | { all: true }) => {
    setBusy('repair');
    setError(null);
    try {
      setResults((await api()['doctor.repair'](input)).results);
      setSelected(new Set());
    } catch (e) {
      setError(toErrorInfo(e));
    } finally {
      setBusy(null);
    }
    await runDoctor();
  };

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const repairable = (findings ?? []).filter((f) => f.repair.action !== 'none');
  const allChecked = repairable.length > 0 && repairable.every((f) => selected.has(f.id));

  return (
    <div className="view" data-testid="view-doctor">
      <ViewHeader title="Doctor" loading={busy !== null}>
        <button type="button" data-testid="doctor-run" disabled={busy !== null} onClick={() => void runDoctor()}>
          Dry run
        </button>
        <button type="button" data-testid="doctor-apply-selected" disabled={busy !== null || selected.size === 0} onClick={() => void repair({ ids: [...selected] })}>
          Apply selected ({selected.size})
        </button>
        <button type="button" className="primary" data-testid="doctor-apply-all" disabled={busy !== null || repairable.length === 0} onClick={() => void repair({ all: true })}>
          Apply all
        </button>
      </ViewHeader>
      {error && <ErrorBanner error={error} testId="doctor-error" />}
      {busy === 'repair' && <Spinner label="Applying repairs" />}
      {results && (
        <section className="card" data-testid="doctor-results" aria-label="Repairs applied">
          <h2>Repairs applied</h2>
          <ul>
            {results.map((r) => (
              <li key={r.id} data-testid={`doctor-result-${r.id}`} data-status={r.status}>
                <span className={`status status-${r.status === 'failed' ? 'fail' : r.status === 'repaired' ? 'success' : 'new'}`}>{r.status}</span> <code>{r.kind}</code> {r.message}
                {r.error && <code className="error-code"> {r.error.code}</code>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {findings && findings.length === 0 ? (
        <EmptyState title="No drift" testId="doctor-clean">
          The bottom pods hold what the top says. Run the doctor again after changes made outside Crosspod.
        </EmptyState>
      ) : findings ? (
        <table className="table" data-testid="doctor-table">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all"
                  data-testid="doctor-select-all"
                  checked={allChecked}
                  onChange={() => setSelected(allChecked ? new Set() : new Set(repairable.map((f) => f.id)))}
                />
              </th>
              <th>Kind</th>
              <th>Pod</th>
              <th>Type</th>
              <th>Detail</th>
              <th>Repair</th>
            </tr>
          </thead>
          <tbody>
            {findings.map((f) => (
              <tr key={f.id} data-testid={`doctor-finding-${f.id}`} data-kind={f.kind} className={selected.has(f.id) ? 'selected' : undefined}>
                <td>
                  <input type="checkbox" aria-label={`Select ${f.kind} ${f.id}`} data-testid="doctor-select" disabled={f.repair.action === 'none'} checked={selected.has(f.id)} onChange={() => toggle(f.id)} />
                </td>
                <td>
                  <code>{f.kind}</code>
                </td>
                <td>{f.pod?.region_name ?? '—'}</td>
                <td>{f.resource_type}</td>
                <td>{f.detail}</td>
                <td>
                  <small>{f.repair.text}</small>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
