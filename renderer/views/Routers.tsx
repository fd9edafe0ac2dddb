import { useMemo, useState } from 'react';
import type { Network, Port, Router, Subnet } from '../../shared/model';
import { EmptyState } from '../components/EmptyState';
import { RowErrors } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { GatewayForm, RouterForm } from '../components/forms/L3Forms';
import { isBridge, networkName } from '../components/lookup';
import { IdChip } from '../components/Names';
import { Pager, SortTh, usePagedList } from '../components/Table';
import { act, clearGateway, deleteRouter, removeInterface } from '../data/actions';
import { useItems } from '../data/query';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader } from './common';

const TABLE = 'routers';

function Interfaces({ router, ports, subnets, networks }: { router: Router; ports: Port[]; subnets: Subnet[]; networks: Network[] }) {
  const [choice, setChoice] = useState('');
  const ifaces = useMemo(() => ports.filter((p) => p.device_id === router.id && p.device_owner === 'network:router_interface'), [ports, router.id]);
  const attached = new Set(ifaces.flatMap((p) => p.fixed_ips.map((f) => f.subnet_id)));
  const options = subnets
    .filter((s) => {
      const n = networks.find((x) => x.id === s.network_id);
      return !attached.has(s.id) && !!n && !n['router:external'] && !isBridge(n);
    })
    .map((s) => ({ s, reason: networks.find((x) => x.id === s.network_id)?.project_id !== router.project_id ? `in another project than ${router.project_id}` : null }));
  const usable = options.filter((o) => !o.reason);
  const subnetId = choice && usable.some((c) => c.s.id === choice) ? choice : (usable[0]?.s.id ?? '');
  return (
    <div className="ifaces">
      <ul className="plain compact" data-testid="router-interfaces">
        {ifaces.map((p) =>
          p.fixed_ips.map((f) => {
            const sn = subnets.find((s) => s.id === f.subnet_id);
            const net = networkName(p.network_id, networks);
            return (
              <li key={`${p.id}-${f.subnet_id}`} data-testid={`router-if-row-${sn?.cidr ?? f.subnet_id}`}>
                <code>{f.ip_address}</code> on {net} <small>{sn?.cidr}</small>
                <ActionButton action={`routers.removeInterface:${router.id}`} testId="router-if-remove" variant="ghost" onClick={() => void removeInterface(router, sn, f.subnet_id, f.ip_address, net)}>
                  Remove
                </ActionButton>
              </li>
            );
          }),
        )}
      </ul>
      <div className="form inline" role="group" aria-label={`Add interface to ${router.name}`}>
        <label className="sr-only" htmlFor={`if-${router.id}`}>
          Subnet
        </label>
        <select id={`if-${router.id}`} value={subnetId} onChange={(e) => setChoice(e.target.value)} data-testid="router-if-subnet" disabled={!options.length}>
          {!usable.length && <option value="">no free subnet in {router.project_id}</option>}
          {[...usable, ...options.filter((o) => o.reason)].map(({ s, reason }) => (
            <option key={s.id} value={s.id} disabled={!!reason}>
              {networkName(s.network_id, networks)} {s.cidr}
              {reason ? ` — ${reason}` : ''}
            </option>
          ))}
        </select>
        <ActionButton action={`routers.addInterface:${router.id}`} testId="router-if-add" disabled={!subnetId} onClick={() => void act(`routers.addInterface:${router.id}`, 'routers.addInterface', { id: router.id, subnet_id: subnetId })}>
          Add interface
        </ActionButton>
      </div>
    </div>
  );
}

function Gateway({ router, networks, subnets }: { router: Router; networks: Network[]; subnets: Subnet[] }) {
  const externals = useMemo(() => networks.filter((n) => n['router:external']), [networks]);
  const gw = router.external_gateway_info;
  return (
    <div className="gateway">
      {gw ? (
        <div data-testid="router-gateway-info">
          <strong>{networkName(gw.network_id, networks)}</strong> <code>{gw.external_fixed_ips.map((f) => f.ip_address).join(', ')}</code>
          {gw.enable_snat && <span className="badge muted">SNAT</span>}
          <ActionButton action={`routers.clearGateway:${router.id}`} testId="router-gateway-clear" variant="ghost" onClick={() => void clearGateway(router, networkName(gw.network_id, networks))}>
            Clear
          </ActionButton>
        </div>
      ) : (
        <GatewayForm router={router} externals={externals} subnets={subnets} />
      )}
    </div>
  );
}

export function Routers() {
  const project = useApp((s) => s.project);
  const list = usePagedList(TABLE, 'routers.list', project ? { project_id: project } : {}, { sort_key: 'name', sort_dir: 'asc' });
  const ports = useItems('ports.list', { device_owner: 'network:router_interface' });
  const subnets = useItems('subnets.list');
  const networks = useItems('networks.list');
  return (
    <div className="view" data-testid="view-routers">
      <ViewHeader title="Routers" loading={list.loading} />
      <Section title="Create router" testId="routers-create">
        <RouterForm />
      </Section>
      <LoadError error={list.error} testId="error-routers-load" />
      {list.loaded && !list.total ? (
        <EmptyState title="No routers" testId="empty-routers">
          Create a router, add an interface on a tenant subnet, then set its gateway on an external network.
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="routers-table">
              <thead>
                <tr>
                  <SortTh table={TABLE} sortKey="name">
                    Router
                  </SortTh>
                  <th>Interfaces</th>
                  <th>Gateway</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {list.rows.map((r) => [
                  <tr key={r.id} data-testid={`router-row-${r.name || r.id}`} data-router-id={r.id}>
                    <td>
                      <strong>
                        <IdChip id={r.id} label={r.name} />
                      </strong>
                      <div>
                        <small className="muted">{r.project_id}</small>
                      </div>
                      {r.routes.length > 0 && (
                        <small className="muted" data-testid="router-routes">
                          {r.routes.map((x) => `${x.destination} via ${x.nexthop}`).join('; ')}
                        </small>
                      )}
                    </td>
                    <td>
                      <Interfaces router={r} ports={ports} subnets={subnets} networks={networks} />
                    </td>
                    <td>
                      <Gateway router={r} networks={networks} subnets={subnets} />
                    </td>
                    <td className="actions">
                      <ActionButton action={`routers.delete:${r.id}`} testId="router-delete" variant="danger" onClick={() => void deleteRouter(r)}>
                        Delete
                      </ActionButton>
                    </td>
                  </tr>,
                  <RowErrors
                    key={`${r.id}-err`}
                    colSpan={4}
                    banners={[
                      [`routers.addInterface:${r.id}`, 'router-if-error'],
                      [`routers.removeInterface:${r.id}`, 'router-if-remove-error'],
                      [`routers.setGateway:${r.id}`, 'router-gateway-error'],
                      [`routers.clearGateway:${r.id}`, 'router-gateway-clear-error'],
                      [`routers.delete:${r.id}`, 'router-delete-error'],
                    ]}
                  />,
                ])}
              </tbody>
            </table>
          </div>
          <Pager table={TABLE} list={list} testId="routers-pager" unit="routers" />
        </>
      )}
    </div>
  );
}
