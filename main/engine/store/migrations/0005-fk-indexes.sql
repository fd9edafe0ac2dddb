-- Indexes for foreign keys the deletes check (a port delete scanned routers, a subnet delete
-- scanned every floating IP), and for the router that connects a subnet to a floating network.
CREATE INDEX routers_gw_port ON routers (gw_port_id);
CREATE INDEX fips_subnet ON floating_ips (floating_subnet_id);
CREATE INDEX port_ips_subnet ON port_ips (subnet_id);
