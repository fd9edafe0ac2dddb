-- Updates that reach the pods, and DHCP-safe addresses (issue 9, items 5 and 8).
-- Subnets gain Neutron's dns_nameservers and host_routes (JSON lists, read whole).
ALTER TABLE subnets ADD COLUMN dns_nameservers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE subnets ADD COLUMN host_routes TEXT NOT NULL DEFAULT '[]';

-- The address of a DHCP-enabled subnet's bottom DHCP port, held in top IPAM so that no top
-- allocation takes it (Tricircle's reserved DHCP port). One per subnet: every pod's copy of the
-- subnet puts its DHCP port there. Goes with the subnet's last bottom copy.
CREATE TABLE dhcp_reservations (
  subnet_id TEXT PRIMARY KEY REFERENCES subnets (id) ON DELETE CASCADE,
  ip_address TEXT NOT NULL
) STRICT;

-- Lab pods: Neutron's description attribute (the engine's stable lookup key of a bottom copy),
-- and the subnets' DNS servers and host routes.
ALTER TABLE lab_networks ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE lab_subnets ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE lab_subnets ADD COLUMN dns_nameservers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lab_subnets ADD COLUMN host_routes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lab_ports ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE lab_routers ADD COLUMN description TEXT NOT NULL DEFAULT '';
CREATE INDEX lab_networks_pod_description ON lab_networks (pod_id, description);
CREATE INDEX lab_subnets_pod_description ON lab_subnets (pod_id, description);
CREATE INDEX lab_ports_pod_description ON lab_ports (pod_id, description);
CREATE INDEX lab_routers_pod_description ON lab_routers (pod_id, description);

-- Lab pods' simulated DHCP agent: a DHCP-enabled subnet waits here until the agent's next turn
-- (the end of the pod's next write), when it claims the network's reserved DHCP port or makes
-- its own, as neutron-dhcp-agent does a moment after the subnet appears.
CREATE TABLE lab_dhcp_pending (
  subnet_id TEXT PRIMARY KEY REFERENCES lab_subnets (id) ON DELETE CASCADE,
  pod_id TEXT NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX lab_dhcp_pending_pod ON lab_dhcp_pending (pod_id);
