import { Admits } from '../components/Admits';
import { useMemo, useState } from 'react';
import type { FipWithPath } from '../../shared/contract';
import type { Network } from '../../shared/model';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner, RowErrors } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { FipForm } from '../components/forms/L3Forms';
import { HopChain, hopChainText } from '../components/HopChain';
import { fipPortChoices, projectsOf } from '../components/lookup';
import { Pager, SortTh, useFilter, usePagedList } from '../components/Table';
import { act, disassociateFip, releaseFip, releaseFips } from '../data/actions';
import { useItems } from '../data/query';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader } from './common';

const TABLE = 'fips';
const DEFAULTS = { sort_key: 'floating_ip_address', sort_dir: 'asc' as const };

/** Picker data for associating: instance ports, routers and their interface ports. */
function usePortData() {
  const ports = useItems('ports.list');
  const routers = useItems('routers.list');
  const networks = useItems('networks.list');
  const fips = useItems('fips.list');
  const taken = useMemo(() => new Map(fips.filter((f) => f.port_id).map((f) => [f.port_id!, f.floating_ip_address])), [fips]);
  return { ports, routers, networks, ifacePorts: ports, taken };
}

function Associate({ fip, data }: { fip: FipWithPath; data: ReturnType<typeof usePortData> }) {
  const choices = useMemo(() => fipPortChoices({ ...data, extId: fip.floating_network_id, project: fip.project_id }), [data, fip.floating_network_id, fip.project_id]);
  const usable = choices.filter((c) => !c.reason);
  const [choice, setChoice] = useState('');
  const portId = choice && usable.some((c) => c.port.id === choice) ? choice : (usable[0]?.port.id ?? '');
  return (
    <span className="form inline" role="group" aria-label={`Associate ${fip.floating_ip_address}`}>
      <label className="sr-only" htmlFor={`assoc-${fip.id}`}>
        Port
      </label>
      <select id={`assoc-${fip.id}`} value={portId} onChange={(e) => setChoice(e.target.value)} data-testid="fip-assoc-port" disabled={!choices.length}>
        {!usable.length && <option value="">{choices.length ? 'no port can work' : 'no VM port'}</option>}
        {choices.map((c) => (
          <option key={c.port.id} value={c.port.id} disabled={!!c.reason} title={c.reason ?? undefined}>
            {c.label}
            {c.reason ? ` — ${c.reason}` : ''}
          </option>
        ))}
      </select>
      <ActionButton
        action={`fips.associate:${fip.id}`}
        testId="fip-associate"
        disabled={!portId}
        onClick={() => void act(`fips.associate:${fip.id}`, 'fips.associate', { id: fip.id, port_id: portId })}
      >
        Associate
      </ActionButton>
    </span>
  );
}

function networkOf(id: string, networks: Network[]) {
  return networks.find((n) => n.id === id)?.name ?? '';
}

export function FloatingIps() {
  const project = useApp((s) => s.project);
  const setView = useApp((s) => s.setView);
  const setFocusFip = useApp((s) => s.setFocusFip);
  const [search, setSearch] = useFilter(TABLE, 'search');
  const [proj, setProj] = useFilter(TABLE, 'project_id');
  const [touches, setTouches] = useFilter(TABLE, 'touches_pod');
  const bottoms = useItems('pods.list', { is_top: false });
  const list = usePagedList(TABLE, 'fips.listWithPaths', project && !proj ? { project_id: project } : {}, DEFAULTS);
  const data = usePortData();
  const externals = useMemo(() => data.networks.filter((n) => n['router:external']), [data.networks]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [assocOpen, setAssocOpen] = useState<string | null>(null);
  const projects = useMemo(() => projectsOf([data.networks, data.routers], [project, proj]), [data.networks, data.routers, project, proj]);
  const rows = list.rows;
  const chosen = rows.filter((f) => selected.has(f.id));
  const allChosen = rows.length > 0 && chosen.length === rows.length;
  const filtered = !!(search || proj || project || touches);

  const toggle = (id: string) =>
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const bulk = async (action: 'disassociate' | 'release') => {
    if (action === 'release') {
      if ((await releaseFips(chosen)) !== undefined) setSelected(new Set());
      return;
    }
    const ids = chosen.filter((f) => f.port_id).map((f) => f.id);
    const r = await useApp.getState().run('fips.bulk', async () => {
      for (const id of ids) await act(`fips.disassociate:${id}`, 'fips.disassociate', { id });
      return ids.length;
    });
    if (r !== undefined) setSelected(new Set());
  };

  return (
    <div className="view" data-testid="view-fips">
      <ViewHeader title="Floating IPs" loading={list.loading} />
      <Section title="Allocate floating IP" testId="fips-create">
        <FipForm externals={externals} />
      </Section>
      <div className="toolbar" role="search">
        <label className="sr-only" htmlFor="fip-search">
          Search by address
        </label>
        <input id="fip-search" type="search" placeholder="Search addresses ( / )" value={search} onChange={(e) => setSearch(e.target.value.trim())} data-testid="fip-search" />
        <label htmlFor="fip-filter-project">Project</label>
        <select id="fip-filter-project" value={proj || project} onChange={(e) => setProj(e.target.value)} data-testid="fip-filter-project">
          <option value="">all projects</option>
          {projects.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <label htmlFor="fip-filter-pod">Touches pod</label>
        <select id="fip-filter-pod" value={touches} onChange={(e) => setTouches(e.target.value)} data-testid="fip-filter-pod" title="Floating IPs whose path has a hop in this pod: its external network's, or its VM's">
          <option value="">any pod</option>
          {bottoms.map((p) => (
            <option key={p.pod_id} value={p.pod_id}>
              {p.region_name}
            </option>
          ))}
          {touches && !bottoms.some((p) => p.pod_id === touches) && <option value={touches}>{touches}</option>}
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
      <LoadError error={list.error} testId="error-fips-load" />
      {list.loaded && !list.total && !filtered ? (
        <EmptyState title="No floating IPs" testId="empty-fips">
          Allocate one on an external network and associate it with a VM port; its path across pods appears here.
        </EmptyState>
      ) : list.loaded && !list.total ? (
        <EmptyState title="Nothing matches the filters" testId="empty-fips-filtered" />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="fips-table">
              <thead>
                <tr>
                  <th>
                    <input type="checkbox" aria-label="Select all shown" checked={allChosen} onChange={() => setSelected(allChosen ? new Set() : new Set(rows.map((f) => f.id)))} data-testid="fip-select-all" />
                  </th>
                  <SortTh table={TABLE} sortKey="floating_ip_address" defaults={DEFAULTS}>
                    Address
                  </SortTh>
                  <th>Path</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {rows.map((f) => [
                  <tr key={f.id} data-testid={`fip-row-${f.floating_ip_address}`} data-fip-id={f.id} data-mode={f.path.mode} className={selected.has(f.id) ? 'selected' : undefined}>
                    <td>
                      <input type="checkbox" aria-label={`Select ${f.floating_ip_address}`} checked={selected.has(f.id)} onChange={() => toggle(f.id)} data-testid="fip-select" />
                    </td>
                    <td className="nowrap fip-addr-cell" title={`${f.id} on ${networkOf(f.floating_network_id, data.networks) || f.floating_network_id}`}>
                      <strong className="mono">{f.floating_ip_address}</strong>
                      <div>
                        <span className={`badge ${f.path.mode === 'unbound' ? 'muted' : ''}`}>{f.path.mode}</span> <Admits admits={f.path.admits} />{' '}
                        <button
                          type="button"
                          className="link"
                          data-testid="fip-show-topology"
                          title="Show in the topology"
                          onClick={() => {
                            setFocusFip(f.id);
                            setView('topology');
                          }}
                        >
                          topology
                        </button>
                      </div>
                      <small className="muted" data-testid="fip-project-of">
                        {f.project_id}
                      </small>
                    </td>
                    <td className="chain-cell" title={hopChainText(f.path)}>
                      <HopChain path={f.path} />
                    </td>
                    <td className="actions">
                      <div className="row-actions">
                        {f.port_id ? (
                          <ActionButton action={`fips.disassociate:${f.id}`} testId="fip-disassociate" onClick={() => void disassociateFip(f)}>
                            Disassociate
                          </ActionButton>
                        ) : (
                          <button type="button" className="btn" aria-expanded={assocOpen === f.id} onClick={() => setAssocOpen(assocOpen === f.id ? null : f.id)} data-testid="fip-associate-open">
                            Associate…
                          </button>
                        )}
                        <ActionButton action={`fips.delete:${f.id}`} testId="fip-release" variant="danger" onClick={() => void releaseFip(f)}>
                          Release
                        </ActionButton>
                      </div>
                    </td>
                  </tr>,
                  assocOpen === f.id && !f.port_id && (
                    <tr key={`${f.id}-assoc`} className="row-detail">
                      <td colSpan={4}>
                        <Associate fip={f} data={data} />
                      </td>
                    </tr>
                  ),
                  <RowErrors
                    key={`${f.id}-err`}
                    colSpan={4}
                    banners={[
                      [`fips.associate:${f.id}`, 'fip-associate-error'],
                      [`fips.disassociate:${f.id}`, 'fip-disassociate-error'],
                      [`fips.delete:${f.id}`, 'fip-release-error'],
                    ]}
                  />,
                ])}
              </tbody>
            </table>
          </div>
          <Pager table={TABLE} list={list} testId="fips-pager" unit="floating IPs" />
        </>
      )}
    </div>
  );
}
