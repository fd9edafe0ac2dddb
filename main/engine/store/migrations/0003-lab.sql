-- Embedded bottom pods (the `lab` driver): Neutron's resources, many pods in one file.
-- Ids are random UUIDs, unique across pods, so keys are single columns; every row carries
-- pod_id so a pod's rows go with it and every lookup is scoped to one pod. Every column the
-- driver filters or joins on is indexed (100 pods and 100,000 ports must stay fast), and every
-- foreign key has an index led by its column, so deletes never scan a child table.
-- Addresses live in the shared ipam_* tables (subnet ids are global); a trigger below drops a
-- lab subnet's IPAM rows however the subnet goes, including a pod delete's cascade.

CREATE TABLE lab_networks (
  id TEXT PRIMARY KEY,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  project_id TEXT NOT NULL DEFAULT '',
  router_external INTEGER NOT NULL DEFAULT 0 CHECK (router_external IN (0, 1)),
  provider_network_type TEXT,
  provider_physical_network TEXT,
  provider_segmentation_id INTEGER,
  admin_state_up INTEGER NOT NULL DEFAULT 1 CHECK (admin_state_up IN (0, 1)),
  status TEXT NOT NULL DEFAULT 'ACTIVE'
) STRICT;
CREATE INDEX lab_networks_pod_name ON lab_networks (pod_id, name);
CREATE INDEX lab_networks_pod_project ON lab_networks (pod_id, project_id);
CREATE INDEX lab_networks_pod_external ON lab_networks (pod_id, router_external);
-- ML2's type drivers: one flat network per physical network, one VLAN id per physical network.
CREATE UNIQUE INDEX lab_networks_flat ON lab_networks (pod_id, provider_physical_network)
  WHERE provider_network_type = 'flat';
CREATE UNIQUE INDEX lab_networks_vlan ON lab_networks (pod_id, provider_physical_network, provider_segmentation_id)
  WHERE provider_network_type = 'vlan';

CREATE TABLE lab_subnets (
  id TEXT PRIMARY KEY,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  network_id TEXT NOT NULL REFERENCES lab_networks (id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  project_id TEXT NOT NULL DEFAULT '',
  cidr TEXT NOT NULL,
  ip_version INTEGER NOT NULL CHECK (ip_version IN (4, 6)),
  gateway_ip TEXT,
  -- JSON [{start, end}]: read whole, never filtered on
  allocation_pools TEXT NOT NULL DEFAULT '[]',
  enable_dhcp INTEGER NOT NULL DEFAULT 1 CHECK (enable_dhcp IN (0, 1))
) STRICT;
CREATE INDEX lab_subnets_network ON lab_subnets (network_id);
CREATE INDEX lab_subnets_pod_name ON lab_subnets (pod_id, name);
CREATE INDEX lab_subnets_pod_cidr ON lab_subnets (pod_id, cidr);

CREATE TABLE lab_ports (
  id TEXT PRIMARY KEY,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  network_id TEXT NOT NULL REFERENCES lab_networks (id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  project_id TEXT NOT NULL DEFAULT '',
  mac_address TEXT NOT NULL,
  device_id TEXT NOT NULL DEFAULT '',
  device_owner TEXT NOT NULL DEFAULT '',
  admin_state_up INTEGER NOT NULL DEFAULT 1 CHECK (admin_state_up IN (0, 1)),
  -- no agents: Neutron leaves every port DOWN
  status TEXT NOT NULL DEFAULT 'DOWN',
  UNIQUE (network_id, mac_address)
) STRICT;
CREATE INDEX lab_ports_pod_name ON lab_ports (pod_id, name);
CREATE INDEX lab_ports_pod_device ON lab_ports (pod_id, device_id, device_owner);
CREATE INDEX lab_ports_pod_owner ON lab_ports (pod_id, device_owner);
CREATE INDEX lab_ports_pod_project ON lab_ports (pod_id, project_id);

-- A port's fixed IPs in order; (subnet, address) is held by at most one port.
CREATE TABLE lab_port_ips (
  port_id TEXT NOT NULL REFERENCES lab_ports (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  subnet_id TEXT NOT NULL REFERENCES lab_subnets (id) ON DELETE CASCADE,
  ip_address TEXT NOT NULL,
  PRIMARY KEY (port_id, position)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX lab_port_ips_subnet ON lab_port_ips (subnet_id, ip_address);
CREATE INDEX lab_port_ips_pod_address ON lab_port_ips (pod_id, ip_address);

CREATE TABLE lab_routers (
  id TEXT PRIMARY KEY,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  project_id TEXT NOT NULL DEFAULT '',
  distributed INTEGER NOT NULL DEFAULT 0 CHECK (distributed IN (0, 1)),
  admin_state_up INTEGER NOT NULL DEFAULT 1 CHECK (admin_state_up IN (0, 1)),
  status TEXT NOT NULL DEFAULT 'ACTIVE',
  -- the gateway itself is the router's network:router_gateway port in lab_router_ports
  enable_snat INTEGER NOT NULL DEFAULT 1 CHECK (enable_snat IN (0, 1)),
  -- JSON [{destination, nexthop}]: replaced whole (PUT routes), read whole
  routes TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX lab_routers_pod_name ON lab_routers (pod_id, name);
CREATE INDEX lab_routers_pod_project ON lab_routers (pod_id, project_id);

-- Neutron's routerports: the interfaces and the gateway port of each router.
CREATE TABLE lab_router_ports (
  port_id TEXT PRIMARY KEY REFERENCES lab_ports (id) ON DELETE CASCADE,
  router_id TEXT NOT NULL REFERENCES lab_routers (id) ON DELETE CASCADE,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  port_type TEXT NOT NULL CHECK (port_type IN ('network:router_interface', 'network:router_gateway'))
) STRICT;
CREATE INDEX lab_router_ports_router ON lab_router_ports (router_id, port_type);
-- (pod, type): the router interfaces of a pod, joined to a subnet's addresses
CREATE INDEX lab_router_ports_pod_type ON lab_router_ports (pod_id, port_type);
CREATE UNIQUE INDEX lab_router_ports_one_gateway ON lab_router_ports (router_id)
  WHERE port_type = 'network:router_gateway';

CREATE TABLE lab_floating_ips (
  id TEXT PRIMARY KEY,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  project_id TEXT NOT NULL DEFAULT '',
  floating_network_id TEXT NOT NULL REFERENCES lab_networks (id) ON DELETE CASCADE,
  floating_ip_address TEXT NOT NULL,
  -- the network:floatingip port that holds the address, as in Neutron
  floating_port_id TEXT NOT NULL UNIQUE REFERENCES lab_ports (id) ON DELETE CASCADE,
  port_id TEXT REFERENCES lab_ports (id) ON DELETE SET NULL,
  fixed_ip_address TEXT,
  router_id TEXT REFERENCES lab_routers (id) ON DELETE SET NULL,
  status TEXT NOT NULL DEFAULT 'DOWN'
) STRICT;
CREATE UNIQUE INDEX lab_floating_ips_address ON lab_floating_ips (pod_id, floating_network_id, floating_ip_address);
CREATE INDEX lab_floating_ips_pod_address ON lab_floating_ips (pod_id, floating_ip_address);
CREATE INDEX lab_floating_ips_pod_project ON lab_floating_ips (pod_id, project_id);
-- A fixed IP has at most one floating IP per external network (Neutron's constraint).
CREATE UNIQUE INDEX lab_floating_ips_port ON lab_floating_ips (port_id, fixed_ip_address, floating_network_id);
CREATE INDEX lab_floating_ips_router ON lab_floating_ips (router_id);
CREATE INDEX lab_floating_ips_pod_fixed ON lab_floating_ips (pod_id, fixed_ip_address);

CREATE TRIGGER lab_subnets_drop_ipam AFTER DELETE ON lab_subnets
BEGIN
  DELETE FROM ipam_free_ranges WHERE subnet_id = OLD.id;
  DELETE FROM ipam_allocations WHERE subnet_id = OLD.id;
  DELETE FROM ipam_pools WHERE subnet_id = OLD.id;
  DELETE FROM ipam_subnets WHERE subnet_id = OLD.id;
END;
