// networks.*, subnets.*, ports.*: NetworkService for mutations, the reader's TopStore for reads.
import { createApp, type HandlerContext } from '../app';
import { listPage } from '../list';
import { createExternalNetwork } from './external';

export function networkApp({ w, r }: HandlerContext) {
  return createApp()
    .method('networks.create', (i, op) => w.network.createNetwork(op, i))
    .method('networks.createExternal', (i, op) => createExternalNetwork(w.network, op, i))
    .method('networks.list', (i) => listPage(r.core.db, 'networks.list', i, (row) => r.top.toNetwork(row as never)))
    .method('networks.get', (i) => r.top.toNetwork(r.top.network(i.id)))
    .method('networks.update', (i, op) => w.network.updateNetwork(op, i))
    .method('networks.delete', async (i, op) => {
      await w.network.deleteNetwork(op, i.id);
      return { id: i.id };
    })
    .method('subnets.create', (i, op) => w.network.createSubnet(op, i))
    .method('subnets.list', (i) => listPage(r.core.db, 'subnets.list', i, (row) => r.top.toSubnet(row as never)))
    .method('subnets.get', (i) => r.top.toSubnet(r.top.subnet(i.id)))
    .method('subnets.update', (i, op) => w.network.updateSubnet(op, i))
    .method('subnets.delete', async (i, op) => {
      await w.network.deleteSubnet(op, i.id);
      return { id: i.id };
    })
    .method('ports.create', (i, op) => w.network.createPort(op, i))
    .method('ports.list', (i) => listPage(r.core.db, 'ports.list', i, (row) => r.top.toPort(row as never)))
    .method('ports.get', (i) => r.top.toPort(r.top.port(i.id)))
    .method('ports.update', (i, op) => w.network.updatePort(op, i))
    .method('ports.delete', async (i, op) => {
      await w.fips.disassociatePort(op, i.id);
      await w.network.deletePort(op, i.id);
      return { id: i.id };
    });
}
