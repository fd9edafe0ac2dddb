import type { Network } from '../../../shared/model';
import { Field } from '../Form';

/** The network picker of the subnet and port forms: name and project of every network. */
export function NetworkField({ networks, value, error, onChange, testId }: { networks: Network[]; value: string; error?: string; onChange(id: string): void; testId: string }) {
  return (
    <Field label="Network" name="network_id" error={error}>
      {(p) => (
        <select {...p} name="network_id" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          {networks.map((n) => (
            <option key={n.id} value={n.id}>
              {n.name || n.id} ({n.project_id})
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
