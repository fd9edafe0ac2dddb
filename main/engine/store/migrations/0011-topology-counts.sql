-- Counts the topology summary reads instead of scanning every port and floating IP (100,000 and
-- 20,000 in the scale lab): kept by triggers on the rows they count, so they cannot drift.

-- Ports per top network.
CREATE TABLE topo_port_counts (
  network_id TEXT PRIMARY KEY,
  n INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO topo_port_counts (network_id, n) SELECT network_id, COUNT(*) FROM ports GROUP BY network_id;
CREATE TRIGGER topo_port_insert AFTER INSERT ON ports BEGIN
  INSERT INTO topo_port_counts (network_id, n) VALUES (new.network_id, 1)
    ON CONFLICT (network_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER topo_port_delete AFTER DELETE ON ports BEGIN
  UPDATE topo_port_counts SET n = n - 1 WHERE network_id = old.network_id;
  DELETE FROM topo_port_counts WHERE network_id = old.network_id AND n <= 0;
END;
CREATE TRIGGER topo_port_move AFTER UPDATE OF network_id ON ports WHEN old.network_id IS NOT new.network_id BEGIN
  UPDATE topo_port_counts SET n = n - 1 WHERE network_id = old.network_id;
  DELETE FROM topo_port_counts WHERE network_id = old.network_id AND n <= 0;
  INSERT INTO topo_port_counts (network_id, n) VALUES (new.network_id, 1)
    ON CONFLICT (network_id) DO UPDATE SET n = n + 1;
END;

-- Floating IPs per (external network, network of the bound port or '' when unbound, project).
CREATE TABLE topo_fip_groups (
  ext_network_id TEXT NOT NULL,
  port_network_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (ext_network_id, port_network_id, project_id)
) STRICT, WITHOUT ROWID;
INSERT INTO topo_fip_groups (ext_network_id, port_network_id, project_id, n)
  SELECT f.floating_network_id, COALESCE(p.network_id, ''), f.project_id, COUNT(*)
  FROM floating_ips f LEFT JOIN ports p ON p.id = f.port_id GROUP BY 1, 2, 3;
CREATE TRIGGER topo_fip_insert AFTER INSERT ON floating_ips BEGIN
  INSERT INTO topo_fip_groups (ext_network_id, port_network_id, project_id, n)
    VALUES (new.floating_network_id, COALESCE((SELECT network_id FROM ports WHERE id = new.port_id), ''), new.project_id, 1)
    ON CONFLICT (ext_network_id, port_network_id, project_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER topo_fip_delete AFTER DELETE ON floating_ips BEGIN
  UPDATE topo_fip_groups SET n = n - 1
    WHERE ext_network_id = old.floating_network_id AND project_id = old.project_id
      AND port_network_id = COALESCE((SELECT network_id FROM ports WHERE id = old.port_id), '');
  DELETE FROM topo_fip_groups WHERE n <= 0 AND ext_network_id = old.floating_network_id AND project_id = old.project_id;
END;
CREATE TRIGGER topo_fip_update AFTER UPDATE OF port_id, floating_network_id, project_id ON floating_ips BEGIN
  UPDATE topo_fip_groups SET n = n - 1
    WHERE ext_network_id = old.floating_network_id AND project_id = old.project_id
      AND port_network_id = COALESCE((SELECT network_id FROM ports WHERE id = old.port_id), '');
  DELETE FROM topo_fip_groups WHERE n <= 0 AND ext_network_id = old.floating_network_id AND project_id = old.project_id;
  INSERT INTO topo_fip_groups (ext_network_id, port_network_id, project_id, n)
    VALUES (new.floating_network_id, COALESCE((SELECT network_id FROM ports WHERE id = new.port_id), ''), new.project_id, 1)
    ON CONFLICT (ext_network_id, port_network_id, project_id) DO UPDATE SET n = n + 1;
END;
