import { useMemo, useState } from 'react';
import { EmptyState } from '../components/EmptyState';
import { ErrorBanner } from '../components/ErrorBanner';
import { ActionButton } from '../components/Form';
import { PortForm } from '../components/forms/L3Forms';
import { byProject, isBridge, isVmPort, networkName, portIps } from '../components/lookup';
import { useApp } from '../store';
import { LoadError, Section, ViewHeader } from './common';

export function Ports() {
  const ports = useApp((s) => s.ports);
  const networks = useApp((s) => s.networks.items);
  const project = useApp((s) => s.project);
  const deletePort = useApp((s) => s.deletePort);
  const [vmOnly, setVmOnly] = useState(true);
  const targets = useMemo(() => byProject(networks.filter((n) => !n['router:external'] && !isBridge(n)), project), [networks, project]);
  const shown = useMemo(() => byProject(ports.items.filter((p) => !vmOnly || isVmPort(p)), project), [ports.items, vmOnly, project]);
  return (
    <div className="view" data-testid="view-ports">
      <ViewHeader title="Ports" loading={ports.loading}>
        <label className="toggle">
          <input type="checkbox" checked={vmOnly} onChange={(e) => setVmOnly(e.target.checked)} data-testid="ports-vm-only" /> VM ports only
        </label>
      </ViewHeader>
      <Section title="Create VM port" testId="ports-create">
        <PortForm networks={targets} />
      </Section>
      <LoadError error={ports.error} testId="error-ports-load" />
      {ports.loaded && !shown.length ? (
        <EmptyState title={vmOnly ? 'No VM ports' : 'No ports'} testId="empty-ports">
          Create a VM port on a tenant network with a fixed IP (10.0.1.4 on net1), then associate a floating IP with it.
        </EmptyState>
      ) : (
        <table className="table" data-testid="ports-table">
          <thead>
            <tr>
              <th>Fixed IPs</th>
              <th>Name</th>
              <th>Network</th>
              <th>Owner</th>
              <th>MAC</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.id} data-testid={`port-row-${portIps(p) || p.id}`} data-port-id={p.id}>
                <td>
                  <code>{portIps(p) || '—'}</code>
                </td>
                <td>{p.name || <small className="muted mono">{p.id.slice(0, 8)}</small>}</td>
                <td>{networkName(p.network_id, networks)}</td>
                <td>
                  <small>{p.device_owner || '—'}</small>
                </td>
                <td>
                  <small className="mono">{p.mac_address}</small>
                </td>
                <td className="row-actions">
                  <ActionButton action={`ports.delete:${p.id}`} testId="port-delete" variant="danger" onClick={() => void deletePort(p.id)}>
                    Delete
                  </ActionButton>
                  <ErrorBanner action={`ports.delete:${p.id}`} testId="port-delete-error" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
