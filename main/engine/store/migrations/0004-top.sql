-- The top view: networks, subnets, ports, routers and floating IPs as the top Neutron holds them.

CREATE TABLE networks (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  project_id TEXT NOT NULL,
  router_external INTEGER NOT NULL DEFAULT 0,
  az_hints TEXT NOT NULL DEFAULT '[]',
  provider_network_type TEXT,
  provider_physical_network TEXT,
  provider_segmentation_id INTEGER,
  admin_state_up INTEGER NOT NULL DEFAULT 1,
  shared INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'ACTIVE',
  bridge TEXT CHECK (bridge IN ('ew', 'ns')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX networks_name ON networks (name);
CREATE INDEX networks_project ON networks (project_id);
CREATE INDEX networks_external ON networks (router_external);

CREATE TABLE subnets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  network_id TEXT NOT NULL REFERENCES networks (id),
  project_id TEXT NOT NULL,
  cidr TEXT NOT NULL,
  ip_version INTEGER NOT NULL,
  gateway_ip TEXT,
  allocation_pools TEXT NOT NULL DEFAULT '[]',
  enable_dhcp INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX subnets_network ON subnets (network_id);
CREATE INDEX subnets_name ON subnets (name);

CREATE TABLE ports (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  network_id TEXT NOT NULL REFERENCES networks (id),
  project_id TEXT NOT NULL,
  mac_address TEXT NOT NULL UNIQUE,
  device_owner TEXT NOT NULL DEFAULT '',
  device_id TEXT NOT NULL DEFAULT '',
  admin_state_up INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'DOWN',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX ports_network ON ports (network_id);
CREATE INDEX ports_device ON ports (device_id, device_owner);
CREATE INDEX ports_name ON ports (name);
CREATE INDEX ports_project ON ports (project_id);

CREATE TABLE port_ips (
  port_id TEXT NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
  subnet_id TEXT NOT NULL REFERENCES subnets (id),
  ip_address TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (port_id, position),
  UNIQUE (subnet_id, ip_address)
) STRICT;

CREATE TABLE routers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  project_id TEXT NOT NULL,
  admin_state_up INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'ACTIVE',
  gw_network_id TEXT REFERENCES networks (id),
  gw_port_id TEXT REFERENCES ports (id),
  enable_snat INTEGER NOT NULL DEFAULT 1,
  routes TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX routers_project ON routers (project_id);
CREATE INDEX routers_gw_network ON routers (gw_network_id);

CREATE TABLE floating_ips (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  floating_network_id TEXT NOT NULL REFERENCES networks (id),
  floating_subnet_id TEXT NOT NULL REFERENCES subnets (id),
  floating_ip_address TEXT NOT NULL,
  port_id TEXT REFERENCES ports (id),
  fixed_ip_address TEXT,
  router_id TEXT REFERENCES routers (id),
  status TEXT NOT NULL DEFAULT 'DOWN',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (floating_network_id, floating_ip_address)
) STRICT;
CREATE INDEX fips_port ON floating_ips (port_id);
CREATE INDEX fips_project ON floating_ips (project_id);
CREATE INDEX fips_router ON floating_ips (router_id);

-- Routes Crosspod wrote on each bottom router, so the next run replaces only its own and keeps
-- the routes an operator set there.
CREATE TABLE managed_routes (
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  bottom_router_id TEXT NOT NULL,
  routes TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (pod_id, bottom_router_id)
) STRICT;
