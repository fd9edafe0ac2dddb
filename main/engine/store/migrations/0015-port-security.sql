-- Neutron's port-security extension: a port with port security off has no security groups and
-- admits everything. At the top and on lab pods' ports; existing ports keep it on.
ALTER TABLE ports ADD COLUMN port_security_enabled INTEGER NOT NULL DEFAULT 1 CHECK (port_security_enabled IN (0, 1));
ALTER TABLE lab_ports ADD COLUMN port_security_enabled INTEGER NOT NULL DEFAULT 1 CHECK (port_security_enabled IN (0, 1));
