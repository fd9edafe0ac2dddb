// The contract's secgroups.* and secgroupRules.* methods; the facade spreads these into its table.
import type { Method, Output, ParsedInput } from '../../../shared/contract';
import type { Services } from '../services';
import { listPage } from '../list';
import type { RuleRow, GroupRow } from './store';

type SecMethod = Extract<Method, `secgroups.${string}` | `secgroupRules.${string}`>;
export type SecGroupHandlers = { [M in SecMethod]: (input: ParsedInput<M>) => Promise<Output<M>> | Output<M> };

/** `w`: the writer's services (mutations); `r`: the reader's (reads on their own connection). */
export function secgroupHandlers(w: Services, r: Services): SecGroupHandlers {
  return {
    'secgroups.create': (i) => w.secgroups.create(i),
    'secgroups.list': (i) => listPage(r.core.db, 'secgroups.list', i, (row) => r.secgroups.st.toGroup(row as GroupRow)),
    'secgroups.get': (i) => r.secgroups.get(i.id),
    'secgroups.update': (i) => w.secgroups.update(i),
    'secgroups.delete': (i) => {
      w.secgroups.delete(i.id);
      return { id: i.id };
    },
    'secgroupRules.create': (i) => w.secgroups.addRule(i),
    'secgroupRules.list': (i) => listPage(r.core.db, 'secgroupRules.list', i, (row) => r.secgroups.st.toRule(row as RuleRow)),
    'secgroupRules.get': (i) => r.secgroups.getRule(i.id),
    'secgroupRules.delete': (i) => w.secgroups.removeRule(i.id),
  };
}
