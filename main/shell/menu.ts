// The native menu as a pure template builder: the shell passes callbacks, tests call them.
import type { MenuItemConstructorOptions } from 'electron';

/** The views the View menu opens, in menu order; the renderer routes on `id`. */
export const VIEWS = [
  { id: 'topology', label: 'Topology' },
  { id: 'pods', label: 'Pods' },
  { id: 'networks', label: 'Networks' },
  { id: 'ports', label: 'Ports' },
  { id: 'routers', label: 'Routers' },
  { id: 'fips', label: 'Floating IPs' },
  { id: 'routings', label: 'Resource Routing' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'audit', label: 'Audit Log' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

/** What the menu sends to the renderer on MENU_CHANNEL. */
export type MenuCommand =
  | { type: 'navigate'; view: ViewId }
  | { type: 'theme'; dark: boolean }
  | { type: 'shortcuts' };

export interface MenuCallbacks {
  openBackupsFolder(): void;
  restoreBackup(): void;
  navigate(view: ViewId): void;
  toggleDarkMode(): void;
  showShortcuts(): void;
  showAbout(): void;
}

export function buildMenuTemplate(cb: MenuCallbacks, opts: { isMac: boolean; appName?: string }): MenuItemConstructorOptions[] {
  const appName = opts.appName ?? 'Crosspod';
  const template: MenuItemConstructorOptions[] = [];
  if (opts.isMac) {
    template.push({
      label: appName,
      submenu: [
        { label: `About ${appName}`, click: () => cb.showAbout() },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(
    {
      label: 'File',
      submenu: [
        {
          label: 'Backups',
          submenu: [
            { label: 'Open Backups Folder', click: () => cb.openBackupsFolder() },
            { label: 'Restore from Backup…', click: () => cb.restoreBackup() },
          ],
        },
        ...(opts.isMac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
      ],
    },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        ...VIEWS.map(
          (v, i): MenuItemConstructorOptions => ({
            label: v.label,
            accelerator: `CmdOrCtrl+${i + 1}`,
            click: () => cb.navigate(v.id),
          }),
        ),
        { type: 'separator' },
        { label: 'Toggle Dark Mode', accelerator: 'CmdOrCtrl+Shift+D', click: () => cb.toggleDarkMode() },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Keyboard Shortcuts', accelerator: 'CmdOrCtrl+/', click: () => cb.showShortcuts() },
        ...(opts.isMac ? [] : [{ type: 'separator' } as const, { label: `About ${appName}`, click: () => cb.showAbout() }]),
      ],
    },
  );
  return template;
}
