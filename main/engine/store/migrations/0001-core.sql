-- Pods, the resource-routing table, jobs, the audit log, quotas, settings and sealed secrets.

CREATE TABLE pods (
  pod_id TEXT PRIMARY KEY,
  region_name TEXT NOT NULL UNIQUE,
  az_name TEXT NOT NULL DEFAULT '',
  pod_az_name TEXT NOT NULL DEFAULT '',
  dc_name TEXT NOT NULL DEFAULT '',
  driver TEXT NOT NULL DEFAULT 'lab' CHECK (driver IN ('lab', 'neutron')),
  driver_config TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
-- Exactly one top pod: the one with an empty az_name.
CREATE UNIQUE INDEX pods_one_top ON pods (az_name) WHERE az_name = '';
CREATE INDEX pods_az ON pods (az_name);

-- Sealed secrets (pod passwords); the plaintext never reaches SQLite.
CREATE TABLE pod_secrets (
  pod_id TEXT PRIMARY KEY REFERENCES pods (pod_id) ON DELETE CASCADE,
  sealed TEXT NOT NULL
) STRICT;

-- AZ -> pod binding per project (reference §6). Never binds the top pod.
CREATE TABLE pod_bindings (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id),
  created_at TEXT NOT NULL,
  UNIQUE (project_id, pod_id)
) STRICT;

-- The resource-routing table (reference §3, §4, §5); a NULL bottom_id is a creation lock.
CREATE TABLE resource_routings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  top_id TEXT NOT NULL,
  bottom_id TEXT,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id),
  project_id TEXT,
  resource_type TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (top_id, pod_id, resource_type)
) STRICT;
CREATE INDEX routings_bottom ON resource_routings (bottom_id);
CREATE INDEX routings_pod_type ON resource_routings (pod_id, resource_type);
CREATE INDEX routings_project ON resource_routings (project_id);
CREATE INDEX routings_top_type ON resource_routings (top_id, resource_type);

-- Persisted async jobs: NEW -> RUNNING -> SUCCESS | FAIL (reference §9).
CREATE TABLE async_jobs (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  project_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('NEW', 'RUNNING', 'SUCCESS', 'FAIL')),
  timestamp TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  payload TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX jobs_type_resource ON async_jobs (type, resource_id, status);
CREATE INDEX jobs_status ON async_jobs (status);
CREATE INDEX jobs_timestamp ON async_jobs (timestamp);

-- Append-only log of every mutation.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  operation TEXT NOT NULL,
  input_summary TEXT NOT NULL,
  result_code TEXT NOT NULL,
  resource_ids TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX audit_operation ON audit_log (operation);
CREATE INDEX audit_result ON audit_log (result_code);

CREATE TABLE quotas (
  project_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  hard_limit INTEGER NOT NULL,
  PRIMARY KEY (project_id, resource)
) STRICT;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
