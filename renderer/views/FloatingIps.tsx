import { useMemo, useState } from 'react';
import type { FipWithPath } from '../../shared/contract';
import type { Network, Port } from '../../shared/model';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { FipForm } from '../components/forms/L3Forms';
import { HopChain } from '../components/HopChain';
import { fipRegions, isVmPort, portLabel, projectsOf } from '../components/lookup';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader } from './common';

function Associate({ fip, ports, networks }: { fip: FipWithPath; ports: Port[]; networks: Network[] }) {
  const associateFip = useApp((s) => s.associateFip);
  const candidates = useMemo(() => ports.filter((p) => isVmPort(p) && (!fip.project_id || p.project_id === fip.project_id || !p.project_id)), [ports, fip.project_id]);
  const [choice, setChoice] = useState('');
  const portId = choice || candidates[0]?.id || '';
  return (
    <span className="form inline" role="group" aria-label={`Associate ${fip.floating_ip_address}`}>
      <label className="sr-only" htmlFor={`assoc-${fip.id}`}>
        VM port
      </label>
      <select id={`assoc-${fip.id}`} value={portId} onChange={(e) => setChoice(e.target.value)} data-testid="fip-assoc-port" disabled={!candidates.length}>
        {candidates.length ? (
          candidates.map((p) => (
            <option key={p.id} value={p.id}>
              {portLabel(p, networks)}
            </option>
          ))
        ) : (
          <option value="">no VM port</option>
        )}
      </select>
      <ActionButton action={`fips.associate:${fip.id}`} testId="fip-associate" disabled={!portId} onClick={() => void associateFip(fip.id, portId)}>
        Associate
      </ActionButton>
    </span>
  );
}

export function FloatingIps() {
  const fips = useApp((s) => s.fips);
  const networks = useApp((s) => s.networks.items);
  const ports = useApp((s) => s.ports.items);
  const pods = useApp((s) => s.pods.items);
  const project = useApp((s) => s.project);
  const disassociateFip = useApp((s) => s.disassociateFip);
  const releaseFip = useApp((s) => s.releaseFip);
  const bulkFips = useApp((s) => s.bulkFips);
  const setView = useApp((s) => s.setView);
  const setFocusFip = useApp((s) => s.setFocusFip);
  const [search, setSearch] = useState('');
  const [pod, setPod] = useState('');
  const [proj, setProj] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const projectFilter = proj ?? project;
  const externals = useMemo(() => networks.filter((n) => n['router:external']), [networks]);
  const projects = useMemo(() => projectsOf([fips.items], [project]), [fips.items, project]);
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return fips.items.filter(
      (f) =>
        (!projectFilter || f.project_id === projectFilter) &&
        (!pod || fipRegions(f).includes(pod)) &&
        (!q ||
          f.floating_ip_address.includes(q) ||
          (f.fixed_ip_address ?? '').includes(q) ||
          f.path.hops.some((h) => h.address.includes(q) || h.network_name.toLowerCase().includes(q))),
    );
  }, [fips.items, projectFilter, pod, search]);
  const chosen = shown.filter((f) => selected.has(f.id));
  const allChosen = shown.length > 0 && chosen.length === shown.length;

  const toggle = (id: string) =>
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const bulk = async (action: 'disassociate' | 'release') => {
    const ids = chosen.filter((f) => action === 'release' || f.port_id).map((f) => f.id);
    if (!ids.length) return;
    await bulkFips(ids, action);
    setSelected(new Set());
  };

  return (
    <div className="view" data-testid="view-fips">
      <ViewHeader title="Floating IPs" loading={fips.loading} />
      <Section title="Allocate floating IP" testId="fips-create">
        <FipForm externals={externals} ports={ports} networks={networks} />
      </Section>
      <div className="toolbar" role="search">
        <label className="sr-only" htmlFor="fip-search">
          Search by address
        </label>
        <input id="fip-search" type="search" placeholder="Search addresses ( / )" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="fip-search" />
        <label htmlFor="fip-filter-pod">Pod</label>
        <select id="fip-filter-pod" value={pod} onChange={(e) => setPod(e.target.value)} data-testid="fip-filter-pod">
          <option value="">all pods</option>
          {pods
            .filter((p) => !p.is_top)
            .map((p) => (
              <option key={p.pod_id} value={p.region_name}>
                {p.region_name}
              </option>
            ))}
        </select>
        <label htmlFor="fip-filter-project">Project</label>
        <select id="fip-filter-project" value={projectFilter} onChange={(e) => setProj(e.target.value)} data-testid="fip-filter-project">
          <option value="">all projects</option>
          {projects.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <span className="spacer" />
        <span className="muted" data-testid="fip-selected-count">
          {chosen.length} selected
        </span>
        <ActionButton action="fips.bulk" testId="fip-bulk-disassociate" disabled={!chosen.some((f) => f.port_id)} onClick={() => void bulk('disassociate')}>
          Disassociate selected
        </ActionButton>
        <ActionButton action="fips.bulk" testId="fip-bulk-release" variant="danger" disabled={!chosen.length} onClick={() => void bulk('release')}>
          Release selected
        </ActionButton>
      </div>
      <ErrorBanner action="fips.bulk" testId="error-fips-bulk" />
      <LoadError error={fips.error} testId="error-fips-load" />
      {fips.loaded && !fips.items.length ? (
        <EmptyState title="No floating IPs" testId="empty-fips">
          Allocate one on an external network and associate it with a VM port; its path across pods appears here.
        </EmptyState>
      ) : fips.loaded && !shown.length ? (
        <EmptyState title="Nothing matches the filters" testId="empty-fips-filtered" />
      ) : (
        <table className="table" data-testid="fips-table">
          <thead>
            <tr>
              <th>
                <input type="checkbox" aria-label="Select all shown" checked={allChosen} onChange={() => setSelected(allChosen ? new Set() : new Set(shown.map((f) => f.id)))} data-testid="fip-select-all" />
              </th>
              <th>Address</th>
              <th>Path</th>
              <th>Project</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {shown.map((f) => (
              <tr key={f.id} data-testid={`fip-row-${f.floating_ip_address}`} data-fip-id={f.id} data-mode={f.path.mode} className={selected.has(f.id) ? 'selected' : undefined}>
                <td>
                  <input type="checkbox" aria-label={`Select ${f.floating_ip_address}`} checked={selected.has(f.id)} onChange={() => toggle(f.id)} data-testid="fip-select" />
                </td>
                <td>
                  <strong className="mono">{f.floating_ip_address}</strong>
                  <div>
                    <span className={`badge ${f.path.mode === 'unbound' ? 'muted' : ''}`}>{f.path.mode}</span>
                  </div>
                </td>
                <td>
                  <HopChain path={f.path} />
                </td>
                <td>{f.project_id}</td>
                <td className="row-actions">
                  {f.port_id ? (
                    <ActionButton action={`fips.disassociate:${f.id}`} testId="fip-disassociate" onClick={() => void disassociateFip(f.id)}>
                      Disassociate
                    </ActionButton>
                  ) : (
                    <Associate fip={f} ports={ports} networks={networks} />
                  )}
                  <button
                    type="button"
                    className="btn ghost"
                    data-testid="fip-show-topology"
                    onClick={() => {
                      setFocusFip(f.id);
                      setView('topology');
                    }}
                  >
                    Topology
                  </button>
                  <ActionButton action={`fips.delete:${f.id}`} testId="fip-release" variant="danger" onClick={() => void releaseFip(f.id)}>
                    Release
                  </ActionButton>
                  <ErrorBanner action={`fips.associate:${f.id}`} testId="fip-associate-error" />
                  <ErrorBanner action={`fips.disassociate:${f.id}`} testId="fip-disassociate-error" />
                  <ErrorBanner action={`fips.delete:${f.id}`} testId="fip-release-error" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
