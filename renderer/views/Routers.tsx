import { useMemo, useState } from 'react';
import type { Router } from '../../shared/model';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { GatewayForm, RouterForm } from '../components/forms/L3Forms';
import { byProject, isBridge, networkName } from '../components/lookup';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader } from './common';

function Interfaces({ router }: { router: Router }) {
  const ports = useApp((s) => s.ports.items);
  const subnets = useApp((s) => s.subnets.items);
  const networks = useApp((s) => s.networks.items);
  const addInterface = useApp((s) => s.addInterface);
  const removeInterface = useApp((s) => s.removeInterface);
  const [choice, setChoice] = useState('');
  const ifaces = useMemo(
    () => ports.filter((p) => p.device_id === router.id && p.device_owner === 'network:router_interface'),
    [ports, router.id],
  );
  const attached = new Set(ifaces.flatMap((p) => p.fixed_ips.map((f) => f.subnet_id)));
  const candidates = subnets.filter((s) => {
    const n = networks.find((x) => x.id === s.network_id);
    return !attached.has(s.id) && !!n && !n['router:external'] && !isBridge(n) && n.project_id === router.project_id;
  });
  const subnetId = choice && candidates.some((c) => c.id === choice) ? choice : candidates[0]?.id ?? '';
  return (
    <div className="ifaces">
      <ul className="plain compact" data-testid="router-interfaces">
        {ifaces.map((p) =>
          p.fixed_ips.map((f) => {
            const sn = subnets.find((s) => s.id === f.subnet_id);
            return (
              <li key={`${p.id}-${f.subnet_id}`} data-testid={`router-if-row-${sn?.cidr ?? f.subnet_id}`}>
                <code>{f.ip_address}</code> on {networkName(p.network_id, networks)} <small>{sn?.cidr}</small>
                <ActionButton action={`routers.removeInterface:${router.id}`} testId="router-if-remove" variant="ghost" onClick={() => void removeInterface(router.id, f.subnet_id)}>
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
        <select id={`if-${router.id}`} value={subnetId} onChange={(e) => setChoice(e.target.value)} data-testid="router-if-subnet" disabled={!candidates.length}>
          {candidates.length ? (
            candidates.map((s) => (
              <option key={s.id} value={s.id}>
                {networkName(s.network_id, networks)} {s.cidr}
              </option>
            ))
          ) : (
            <option value="">no free subnet in {router.project_id}</option>
          )}
        </select>
        <ActionButton action={`routers.addInterface:${router.id}`} testId="router-if-add" disabled={!subnetId} onClick={() => void addInterface(router.id, subnetId)}>
          Add interface
        </ActionButton>
      </div>
      <ErrorBanner action={`routers.addInterface:${router.id}`} testId="router-if-error" />
      <ErrorBanner action={`routers.removeInterface:${router.id}`} testId="router-if-remove-error" />
    </div>
  );
}

function Gateway({ router }: { router: Router }) {
  const networks = useApp((s) => s.networks.items);
  const subnets = useApp((s) => s.subnets.items);
  const clearGateway = useApp((s) => s.clearGateway);
  const externals = useMemo(() => networks.filter((n) => n['router:external']), [networks]);
  const gw = router.external_gateway_info;
  return (
    <div className="gateway">
      {gw ? (
        <div data-testid="router-gateway-info">
          <strong>{networkName(gw.network_id, networks)}</strong> <code>{gw.external_fixed_ips.map((f) => f.ip_address).join(', ')}</code>
          {gw.enable_snat && <span className="badge muted">SNAT</span>}
          <ActionButton action={`routers.clearGateway:${router.id}`} testId="router-gateway-clear" variant="ghost" onClick={() => void clearGateway(router.id)}>
            Clear
          </ActionButton>
        </div>
      ) : (
        <GatewayForm router={router} externals={externals} subnets={subnets} />
      )}
      <ErrorBanner action={`routers.setGateway:${router.id}`} testId="router-gateway-error" />
      <ErrorBanner action={`routers.clearGateway:${router.id}`} testId="router-gateway-clear-error" />
    </div>
  );
}

export function Routers() {
  const routers = useApp((s) => s.routers);
  const project = useApp((s) => s.project);
  const deleteRouter = useApp((s) => s.deleteRouter);
  const shown = useMemo(() => byProject(routers.items, project), [routers.items, project]);
  return (
    <div className="view" data-testid="view-routers">
      <ViewHeader title="Routers" loading={routers.loading} />
      <Section title="Create router" testId="routers-create">
        <RouterForm />
      </Section>
      <LoadError error={routers.error} testId="error-routers-load" />
      {routers.loaded && !shown.length ? (
        <EmptyState title="No routers" testId="empty-routers">
          Create a router, add an interface on a tenant subnet, then set its gateway on an external network.
        </EmptyState>
      ) : (
        <table className="table" data-testid="routers-table">
          <thead>
            <tr>
              <th>Router</th>
              <th>Interfaces</th>
              <th>Gateway</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id} data-testid={`router-row-${r.name || r.id}`} data-router-id={r.id}>
                <td>
                  <strong>{r.name || r.id}</strong>
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
                  <Interfaces router={r} />
                </td>
                <td>
                  <Gateway router={r} />
                </td>
                <td className="row-actions">
                  <ActionButton action={`routers.delete:${r.id}`} testId="router-delete" variant="danger" onClick={() => void deleteRouter(r.id)}>
                    Delete
                  </ActionButton>
                  <ErrorBanner action={`routers.delete:${r.id}`} testId="router-delete-error" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
