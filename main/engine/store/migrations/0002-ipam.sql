-- Top IPAM: subnets' address space, free ranges and allocations; bridge prefix pools; VLANs.
-- Addresses and prefix indexes are fixed-width lowercase hex TEXT (8 chars for IPv4, 32 for
-- IPv6 and prefix indexes) so that lexical order is numeric order and ranges are found by
-- index, never by scanning. Subnet ids are plain TEXT: callers own the subnets' lifecycle.

CREATE TABLE ipam_subnets (
  subnet_id TEXT PRIMARY KEY,
  ip_version INTEGER NOT NULL CHECK (ip_version IN (4, 6)),
  cidr TEXT NOT NULL,
  gateway_ip TEXT,
  -- network address and last address of the cidr
  net_first TEXT NOT NULL,
  net_last TEXT NOT NULL,
  -- the addresses a host may hold (no network, no IPv4 broadcast)
  host_first TEXT NOT NULL,
  host_last TEXT NOT NULL,
  -- kept by every allocate/release so counting never walks a million rows
  allocated INTEGER NOT NULL DEFAULT 0 CHECK (allocated >= 0)
) STRICT;

CREATE TABLE ipam_pools (
  subnet_id TEXT NOT NULL,
  first TEXT NOT NULL,
  last TEXT NOT NULL,
  PRIMARY KEY (subnet_id, first)
) STRICT, WITHOUT ROWID;

-- Disjoint, inside the pools; lowest free = min(first).
CREATE TABLE ipam_free_ranges (
  subnet_id TEXT NOT NULL,
  first TEXT NOT NULL,
  last TEXT NOT NULL,
  PRIMARY KEY (subnet_id, first)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX ipam_free_ranges_last ON ipam_free_ranges (subnet_id, last);

CREATE TABLE ipam_allocations (
  subnet_id TEXT NOT NULL,
  address TEXT NOT NULL,
  PRIMARY KEY (subnet_id, address)
) STRICT, WITHOUT ROWID;

-- Prefix pools (bridge /24s out of a /9): prefixes are numbered 0..n-1 from the pool's start.
CREATE TABLE ipam_prefix_pools (
  name TEXT PRIMARY KEY,
  ip_version INTEGER NOT NULL CHECK (ip_version IN (4, 6)),
  cidr TEXT NOT NULL,
  prefixlen INTEGER NOT NULL
) STRICT;

CREATE TABLE ipam_prefix_free (
  pool TEXT NOT NULL,
  first TEXT NOT NULL,
  last TEXT NOT NULL,
  PRIMARY KEY (pool, first)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX ipam_prefix_free_last ON ipam_prefix_free (pool, last);

CREATE TABLE ipam_prefix_allocations (
  pool TEXT NOT NULL,
  idx TEXT NOT NULL,
  cidr TEXT NOT NULL,
  PRIMARY KEY (pool, idx)
) STRICT, WITHOUT ROWID;

-- VLAN ranges per physical network.
CREATE TABLE ipam_vlan_ranges (
  physnet TEXT PRIMARY KEY,
  vlan_min INTEGER NOT NULL CHECK (vlan_min BETWEEN 1 AND 4094),
  vlan_max INTEGER NOT NULL CHECK (vlan_max BETWEEN 1 AND 4094),
  CHECK (vlan_min <= vlan_max)
) STRICT;

CREATE TABLE ipam_vlan_free (
  physnet TEXT NOT NULL,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (physnet, first)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX ipam_vlan_free_last ON ipam_vlan_free (physnet, last);

CREATE TABLE ipam_vlan_allocations (
  physnet TEXT NOT NULL,
  vlan INTEGER NOT NULL,
  PRIMARY KEY (physnet, vlan)
) STRICT, WITHOUT ROWID;
