-- Retention of the audit log and of finished jobs: pruning by age reads these indexes instead of
-- scanning. The retention itself is a row in settings ('audit.retention'), absent = the defaults.
CREATE INDEX audit_at ON audit_log (at);
CREATE INDEX jobs_status_timestamp ON async_jobs (status, timestamp);
