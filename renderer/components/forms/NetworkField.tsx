import type { Network } from '../../../shared/model';
import { Field } from '../Form';

/** A network picker: the subnet and port forms show each network's project, the external ones don't. */
export function NetworkField({
  networks,
  value,
  error,
  onChange,
  testId,
  label = 'Network',
  showProject = true,
}: {
  networks: Network[];
  value: string;
  error?: string;
  onChange(id: string): void;
  testId: string;
  label?: string;
  showProject?: boolean;
}) {
  return (
    <Field label={label} name="network_id" error={error}>
      {(p) => (
        <select {...p} name="network_id" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          {networks.map((n) => (
            <option key={n.id} value={n.id}>
              {n.name || n.id}
              {showProject ? ` (${n.project_id})` : ''}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
