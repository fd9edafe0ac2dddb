-- Settings that belong to the lab rather than to the program: the bridge pools, VLAN range and
-- physical network a lab document names (`bridge`). One JSON value per key; the lab host reads
-- them before it opens the lab's engine.
CREATE TABLE lab_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
