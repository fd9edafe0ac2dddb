// The desktop menu's commands to the renderer (the shell sends them on its menu channel). Shared
// so the renderer and the shell agree on the shapes without importing each other.

/** The views the View menu opens, in the renderer's order. */
export const MENU_VIEWS = [
  { id: 'overview', label: 'Overview' },
  { id: 'labs', label: 'Labs' },
  { id: 'pods', label: 'Pods' },
  { id: 'external', label: 'External Networks' },
  { id: 'networks', label: 'Networks && Subnets' },
  { id: 'routers', label: 'Routers' },
  { id: 'ports', label: 'Ports' },
  { id: 'fips', label: 'Floating IPs' },
  { id: 'secgroups', label: 'Security Groups' },
  { id: 'topology', label: 'Topology' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'routings', label: 'Routing Table' },
  { id: 'audit', label: 'Audit Log' },
  { id: 'doctor', label: 'Doctor' },
] as const;

export type MenuViewId = (typeof MENU_VIEWS)[number]['id'];

export type MenuCommand = { type: 'navigate'; view: MenuViewId } | { type: 'theme'; dark: boolean } | { type: 'shortcuts' };
