-- Security groups (Neutron's security-group extension): top groups and rules, which groups each
-- top port uses, and the same three in the lab pods (their bottom copies).

CREATE TABLE security_groups (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  stateful INTEGER NOT NULL DEFAULT 1 CHECK (stateful IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX security_groups_project ON security_groups (project_id, name);
-- Neutron's rule: one `default` group per project (made on first need), never renamed to or from.
CREATE UNIQUE INDEX security_groups_default ON security_groups (project_id) WHERE name = 'default';

CREATE TABLE security_group_rules (
  id TEXT PRIMARY KEY,
  security_group_id TEXT NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('ingress', 'egress')),
  ethertype TEXT NOT NULL CHECK (ethertype IN ('IPv4', 'IPv6')),
  protocol TEXT,
  port_range_min INTEGER,
  port_range_max INTEGER,
  remote_ip_prefix TEXT,
  -- Neutron drops rules whose remote group goes.
  remote_group_id TEXT REFERENCES security_groups (id) ON DELETE CASCADE,
  description TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX security_group_rules_group ON security_group_rules (security_group_id);
CREATE INDEX security_group_rules_remote ON security_group_rules (remote_group_id);

-- A port's groups in the order given; a group in use cannot be deleted (no cascade from groups).
CREATE TABLE port_security_groups (
  port_id TEXT NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
  security_group_id TEXT NOT NULL REFERENCES security_groups (id),
  position INTEGER NOT NULL,
  PRIMARY KEY (port_id, security_group_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX port_security_groups_group ON port_security_groups (security_group_id);

-- Lab pods.
CREATE TABLE lab_security_groups (
  id TEXT PRIMARY KEY,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  project_id TEXT NOT NULL DEFAULT '',
  stateful INTEGER NOT NULL DEFAULT 1 CHECK (stateful IN (0, 1))
) STRICT;
CREATE INDEX lab_security_groups_pod_name ON lab_security_groups (pod_id, name);
CREATE INDEX lab_security_groups_pod_description ON lab_security_groups (pod_id, description);

CREATE TABLE lab_security_group_rules (
  id TEXT PRIMARY KEY,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  security_group_id TEXT NOT NULL REFERENCES lab_security_groups (id) ON DELETE CASCADE,
  project_id TEXT NOT NULL DEFAULT '',
  direction TEXT NOT NULL,
  ethertype TEXT NOT NULL,
  protocol TEXT,
  port_range_min INTEGER,
  port_range_max INTEGER,
  remote_ip_prefix TEXT,
  remote_group_id TEXT REFERENCES lab_security_groups (id) ON DELETE CASCADE,
  description TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX lab_security_group_rules_group ON lab_security_group_rules (security_group_id);
CREATE INDEX lab_security_group_rules_remote ON lab_security_group_rules (remote_group_id);
CREATE INDEX lab_security_group_rules_pod ON lab_security_group_rules (pod_id);

CREATE TABLE lab_port_security_groups (
  port_id TEXT NOT NULL REFERENCES lab_ports (id) ON DELETE CASCADE,
  security_group_id TEXT NOT NULL REFERENCES lab_security_groups (id) ON DELETE CASCADE,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  PRIMARY KEY (port_id, security_group_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX lab_port_security_groups_group ON lab_port_security_groups (security_group_id);
CREATE INDEX lab_port_security_groups_pod ON lab_port_security_groups (pod_id);
