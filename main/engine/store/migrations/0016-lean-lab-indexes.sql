-- Fewer indexes on the rows every cross-pod associate and disassociate writes. Each index is one
-- more B-tree page per write and per commit. Every lab query names its pod, and a pod's rows are
-- reached through the pod-prefixed indexes that stay, so these filters scan one pod's rows only.
-- resource_routings (top_id, resource_type) is the prefix of its UNIQUE (top_id, pod_id, resource_type).
DROP INDEX routings_top_type;
DROP INDEX lab_ports_pod_owner;
DROP INDEX lab_ports_pod_project;
DROP INDEX lab_ports_pod_description;
DROP INDEX lab_floating_ips_pod_address;
DROP INDEX lab_floating_ips_pod_project;
DROP INDEX lab_floating_ips_pod_fixed;
