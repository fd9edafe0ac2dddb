-- North-south bridges per router (issue 9): a project's second router needs its own N-S bridge,
-- since the bridge interface in the external pod sits at the bridge subnet's gateway address.
-- Each N-S bridge network records the router it serves; existing ones go to the project's
-- first router, the only one that could use them before.
ALTER TABLE networks ADD COLUMN bridge_router_id TEXT;
UPDATE networks SET bridge_router_id = (
  SELECT r.id FROM routers r WHERE r.project_id = networks.project_id ORDER BY r.created_at, r.rowid LIMIT 1
) WHERE bridge = 'ns';
CREATE INDEX networks_bridge_router ON networks (bridge_router_id) WHERE bridge_router_id IS NOT NULL;
