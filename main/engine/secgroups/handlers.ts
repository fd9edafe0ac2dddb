// secgroups.*, secgroupRules.*: SecGroupService for mutations, the reader's store for reads.
import { createApp, type HandlerContext } from '../app';
import { listPage } from '../list';
import type { RuleRow, GroupRow } from './store';

export function secgroupsApp({ w, r }: HandlerContext) {
  return createApp()
    .method('secgroups.create', (i, op) => w.secgroups.create(op, i))
    .method('secgroups.list', (i) => listPage(r.core.db, 'secgroups.list', i, (row) => r.secgroups.st.toGroup(row as GroupRow)))
    .method('secgroups.get', (i) => r.secgroups.get(i.id))
    .method('secgroups.update', (i, op) => w.secgroups.update(op, i))
    .method('secgroups.delete', (i, op) => {
      w.secgroups.delete(op, i.id);
      return { id: i.id };
    })
    .method('secgroupRules.create', (i, op) => w.secgroups.addRule(op, i))
    .method('secgroupRules.list', (i) => listPage(r.core.db, 'secgroupRules.list', i, (row) => r.secgroups.st.toRule(row as RuleRow)))
    .method('secgroupRules.get', (i) => r.secgroups.getRule(i.id))
    .method('secgroupRules.delete', (i, op) => w.secgroups.removeRule(op, i.id));
}
