// The Labs view: every lab of this data folder (the current one marked, those with real-region pods
// flagged), with the gallery of examples, import and export of lab documents, and snapshots.
// Each action is a labs.* call; a switch comes back as labs.changed, which reloads every view.
import { useEffect, useRef, useState } from 'react';
import type { LabInfo, LabProgress } from '../../shared/contract';
import { LAB_EXAMPLES, LAB_EXAMPLE_TITLES, LAB_NAME_PATTERN, type LabExample } from '../../shared/lab-document';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { act, destructive } from '../data/actions';
import { loadError, useCall } from '../data/query';
import { useApp } from '../store';
import { getClient } from '../store/client-ref';
import { LoadError, Section, ViewHeader, when } from './common';

const EXAMPLE_TEXT: Record<LabExample, string> = {
  'worked-example': 'RegionOne, Pod1/az1, Pod2/az2; ext-net in Pod2, net1 in az1, router R and 162.3.124.5 on vm1 through the N-S bridge.',
  'two-routers-three-pods': 'One project, two routers with their gateways in different pods, interfaces in three pods.',
  'same-pod': 'The VM and the external network in the same pod: one DNAT step, no bridge hop.',
  'demo-20-pods': 'Twenty pods and 2,000 floating IPs: the tables and the topology at scale.',
};

/** The first free name from a base: "worked-example", "worked-example-2", … */
export function freeName(base: string, taken: string[]): string {
  const have = new Set(taken.map((n) => n.toLowerCase()));
  if (!have.has(base.toLowerCase())) return base;
  for (let k = 2; ; k++) if (!have.has(`${base}-${k}`.toLowerCase())) return `${base}-${k}`;
}

/** The latest labs.progress event, until its operation ends. */
function useLabProgress(): LabProgress | null {
  const [p, setP] = useState<LabProgress | null>(null);
  useEffect(
    () =>
      getClient().subscribe((e) => {
        if (e.name === 'labs.progress' && e.lab_progress) setP(e.lab_progress.done >= e.lab_progress.total ? null : e.lab_progress);
      }),
    [],
  );
  return p;
}

function download(fileName: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function exportLab(name: string) {
  const r = await act(`labs.export:${name}`, 'labs.export', { name });
  if (r) download(`${name}.crosspod-lab.json`, r.text);
}

const realWarning = (l: LabInfo) => (l.real_regions.length ? [`This lab runs real-region pods (${l.real_regions.join(', ')}): only the lab file changes; the regions keep what they hold.`] : []);

export function resetLab(l: LabInfo) {
  return destructive({
    key: `labs.reset:${l.name}`,
    title: `Reset lab ${l.name}: everything in it goes (${l.pods} pod${l.pods === 1 ? '' : 's'})`,
    lines: ['A "before reset" snapshot is taken first: restore it to get the lab back.', ...realWarning(l)],
    confirmLabel: 'Reset lab',
    run: () => getClient().call('labs.reset', { name: l.name, ...(l.real_regions.length ? { force: true } : {}) }),
    done: `Reset ${l.name}`,
  });
}

export function restoreSnapshot(l: LabInfo, snapshot: { id: string; label: string; created_at: string }) {
  return destructive({
    key: `labs.restore:${l.name}`,
    title: `Restore ${l.name} to the snapshot ${snapshot.label || snapshot.id} of ${when(snapshot.created_at)}`,
    lines: ['What the lab holds now is kept in a "before restore" snapshot first.', ...realWarning(l)],
    confirmLabel: 'Restore',
    run: () => getClient().call('labs.restore', { name: l.name, snapshot: snapshot.id, ...(l.real_regions.length ? { force: true } : {}) }),
    done: `Restored ${l.name}`,
  });
}

function deleteLab(l: LabInfo) {
  return destructive({
    key: `labs.delete:${l.name}`,
    title: `Delete lab ${l.name} and its snapshots`,
    lines: ['The file goes; export it first to keep a copy.', ...realWarning(l)],
    confirmLabel: 'Delete lab',
    run: () => getClient().call('labs.delete', { name: l.name }),
    done: `Deleted ${l.name}`,
  });
}

function NameForm({ label, initial, action, testId, onSubmit, onCancel }: { label: string; initial: string; action: string; testId: string; onSubmit(name: string): void; onCancel?(): void }) {
  const [name, setName] = useState(initial);
  const valid = LAB_NAME_PATTERN.test(name);
  return (
    <form
      className="row-actions"
      data-testid={testId}
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onSubmit(name);
      }}
    >
      <input aria-label={`${label}: name`} value={name} onChange={(e) => setName(e.target.value)} data-testid={`${testId}-name`} autoFocus={!!onCancel} maxLength={64} />
      <ActionButton action={action} type="submit" testId={`${testId}-submit`} variant="primary" disabled={!valid} title={valid ? undefined : 'Letters, digits, space, dot, dash or underscore, starting with a letter or digit'}>
        {label}
      </ActionButton>
      {onCancel && (
        <button type="button" className="btn ghost" onClick={onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}

function Snapshots({ lab }: { lab: LabInfo }) {
  const q = useCall('labs.snapshots', { name: lab.name });
  const snaps = q.data?.snapshots ?? [];
  return (
    <div data-testid={`lab-snapshots-${lab.name}`}>
      <LoadError error={loadError(q)} testId="error-snapshots-load" />
      {q.data && !snaps.length && <p className="muted">No snapshots yet.</p>}
      {snaps.length > 0 && (
        <ul className="plain">
          {snaps.map((s) => (
            <li key={s.id} data-testid={`lab-snapshot-${s.id}`} className="row-actions">
              <span>{when(s.created_at)}</span>
              <span className="badge muted">{s.label || 'snapshot'}</span>
              <small className="muted mono">{s.id}</small>
              <ActionButton action={`labs.restore:${lab.name}`} testId="lab-snapshot-restore" onClick={() => void restoreSnapshot(lab, s)}>
                Restore
              </ActionButton>
            </li>
          ))}
        </ul>
      )}
      <ErrorBanner action={`labs.restore:${lab.name}`} testId="error-lab-restore" />
    </div>
  );
}

function LabRow({ lab, names }: { lab: LabInfo; names: string[] }) {
  const [mode, setMode] = useState<'rename' | 'duplicate' | 'snapshots' | null>(null);
  const keys = ['labs.open', 'labs.rename', 'labs.duplicate', 'labs.export', 'labs.snapshot', 'labs.reset', 'labs.delete'].map((k) => `${k}:${lab.name}`);
  return (
    <>
      <tr data-testid={`lab-row-${lab.name}`} data-current={lab.current} className={lab.current ? 'selected' : undefined}>
        <td>
          <strong>{lab.name}</strong>
          {lab.current && (
            <span className="badge" data-testid="lab-current">
              current
            </span>
          )}
          {lab.real_regions.length > 0 && (
            <span className="badge warn" data-testid="lab-real" title={`Real regions: ${lab.real_regions.join(', ')}`}>
              real regions: {lab.real_regions.join(', ')}
            </span>
          )}
        </td>
        <td>{lab.pods}</td>
        <td className="nowrap">
          <small>{when(lab.modified_at)}</small>
        </td>
        <td className="nowrap">
          <small>{(lab.size_bytes / 1024).toFixed(0)} KiB</small>
        </td>
        <td className="actions">
          <div className="row-actions">
            {!lab.current && (
              <ActionButton action={`labs.open:${lab.name}`} testId="lab-open" variant="primary" onClick={() => void act(`labs.open:${lab.name}`, 'labs.open', { name: lab.name })}>
                Open
              </ActionButton>
            )}
            <button type="button" className="btn" data-testid="lab-rename" onClick={() => setMode(mode === 'rename' ? null : 'rename')}>
              Rename
            </button>
            <button type="button" className="btn" data-testid="lab-duplicate" onClick={() => setMode(mode === 'duplicate' ? null : 'duplicate')}>
              Duplicate
            </button>
            <ActionButton action={`labs.export:${lab.name}`} testId="lab-export" onClick={() => void exportLab(lab.name)} title="Download the lab document (JSON)">
              Export
            </ActionButton>
            <ActionButton action={`labs.snapshot:${lab.name}`} testId="lab-snapshot" onClick={() => void act(`labs.snapshot:${lab.name}`, 'labs.snapshot', { name: lab.name }).then((s) => s && setMode('snapshots'))}>
              Snapshot
            </ActionButton>
            <button type="button" className="btn" data-testid="lab-snapshots" aria-expanded={mode === 'snapshots'} onClick={() => setMode(mode === 'snapshots' ? null : 'snapshots')}>
              Snapshots
            </button>
            <ActionButton action={`labs.reset:${lab.name}`} testId="lab-reset" variant="danger" onClick={() => void resetLab(lab)}>
              Reset
            </ActionButton>
            <ActionButton action={`labs.delete:${lab.name}`} testId="lab-delete" variant="danger" disabled={lab.current} title={lab.current ? 'Open another lab first' : undefined} onClick={() => void deleteLab(lab)}>
              Delete
            </ActionButton>
          </div>
          {keys.map((k) => (
            <ErrorBanner key={k} action={k} testId="error-lab-row" />
          ))}
        </td>
      </tr>
      {mode && (
        <tr className="row-detail">
          <td colSpan={5}>
            {mode === 'rename' && (
              <NameForm label="Rename" initial={lab.name} action={`labs.rename:${lab.name}`} testId="lab-rename-form" onCancel={() => setMode(null)} onSubmit={(n) => void act(`labs.rename:${lab.name}`, 'labs.rename', { name: lab.name, new_name: n }).then((r) => r && setMode(null))} />
            )}
            {mode === 'duplicate' && (
              <NameForm
                label="Duplicate"
                initial={freeName(`${lab.name}-copy`, names)}
                action={`labs.duplicate:${lab.name}`}
                testId="lab-duplicate-form"
                onCancel={() => setMode(null)}
                onSubmit={(n) => void act(`labs.duplicate:${lab.name}`, 'labs.duplicate', { name: lab.name, new_name: n }).then((r) => r && setMode(null))}
              />
            )}
            {mode === 'snapshots' && <Snapshots lab={lab} />}
          </td>
        </tr>
      )}
    </>
  );
}

function ImportForm({ names }: { names: string[] }) {
  const file = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [doc, setDoc] = useState<{ file: string; document: unknown } | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const valid = LAB_NAME_PATTERN.test(name) && doc !== null;
  return (
    <form
      className="row-actions"
      data-testid="lab-import-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid) return;
        void act('labs.import', 'labs.import', { name, document: doc.document }).then((r) => {
          if (!r) return;
          setDoc(null);
          setName('');
          if (file.current) file.current.value = '';
        });
      }}
    >
      <input
        ref={file}
        type="file"
        accept=".json,application/json"
        aria-label="Lab document"
        data-testid="lab-import-file"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          setReadError(null);
          if (!f) return setDoc(null);
          try {
            setDoc({ file: f.name, document: JSON.parse(await f.text()) });
            if (!name) setName(freeName(f.name.replace(/\.crosspod-lab\.json$|\.json$/i, '').replace(/[^A-Za-z0-9 ._-]/g, '-') || 'imported', names));
          } catch (err) {
            setDoc(null);
            setReadError(`${f.name} is not JSON: ${(err as Error).message}`);
          }
        }}
      />
      <input aria-label="Import as: name" placeholder="name of the new lab" value={name} onChange={(e) => setName(e.target.value)} data-testid="lab-import-name" maxLength={64} />
      <ActionButton action="labs.import" type="submit" testId="lab-import-submit" variant="primary" disabled={!valid}>
        Import
      </ActionButton>
      {readError && (
        <span className="field-error" role="alert" data-testid="lab-import-read-error">
          {readError}
        </span>
      )}
    </form>
  );
}

export function Gallery({ names, busy }: { names: string[]; busy: boolean }) {
  return (
    <div className="cards" data-testid="lab-gallery">
      {LAB_EXAMPLES.map((x) => (
        <div key={x} className="card" data-testid={`gallery-${x}`}>
          <h3>{LAB_EXAMPLE_TITLES[x]}</h3>
          <p className="muted">{EXAMPLE_TEXT[x]}</p>
          <ActionButton action={`labs.create:${x}`} testId="gallery-create" variant="primary" disabled={busy} onClick={() => void act(`labs.create:${x}`, 'labs.create', { name: freeName(x, names), example: x })}>
            New lab from this
          </ActionButton>
          <ErrorBanner action={`labs.create:${x}`} testId="error-gallery" />
        </div>
      ))}
    </div>
  );
}

export function Labs() {
  const q = useCall('labs.list', {});
  const labs = q.data?.labs ?? [];
  const names = labs.map((l) => l.name);
  const progress = useLabProgress();
  const creating = useApp((s) => Object.keys(s.busy).some((k) => k.startsWith('labs.create') || k === 'labs.import'));
  return (
    <div className="view" data-testid="view-labs">
      <ViewHeader title="Labs" loading={q.isFetching && !q.data} />
      <LoadError error={loadError(q)} testId="error-labs-load" />
      {progress && (
        <div className="card" role="status" data-testid="lab-progress">
          <strong>{`${progress.operation} ${progress.lab}: ${progress.step}`}</strong> <progress max={progress.total} value={progress.done} aria-label={`${progress.operation} ${progress.lab}`} />
          <span>{`${progress.done} / ${progress.total}`}</span>
        </div>
      )}
      <Section title="New lab" testId="lab-new">
        <NameForm label="Create" initial={freeName('lab', names)} action="labs.create" testId="lab-create-form" onSubmit={(name) => void act('labs.create', 'labs.create', { name })} />
        <ErrorBanner action="labs.create" testId="error-lab-create" />
      </Section>
      <div className="table-wrap">
        <table className="table" data-testid="labs-table">
          <thead>
            <tr>
              <th>Lab</th>
              <th>Pods</th>
              <th>Modified</th>
              <th>Size</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {labs.map((l) => (
              <LabRow key={l.name} lab={l} names={names} />
            ))}
          </tbody>
        </table>
      </div>
      <Section title="Import a lab document" testId="lab-import">
        <ImportForm names={names} />
        <ErrorBanner action="labs.import" testId="error-lab-import" />
      </Section>
      <Section title="Example gallery" testId="lab-examples">
        <Gallery names={names} busy={creating} />
      </Section>
    </div>
  );
}
