-- What the console keeps with the lab rather than in one browser: the topology's node positions
-- and collapsed pods, one JSON document per view (e.g. `topology:estate`, `topology:pod:<id>`).
CREATE TABLE view_state (
  view TEXT PRIMARY KEY,
  state TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL
) STRICT;
