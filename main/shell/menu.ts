// The native menu as a pure template builder: the shell passes callbacks, tests call them.
import type { MenuItemConstructorOptions } from 'electron';

import { MENU_VIEWS, type MenuCommand, type MenuViewId } from '../../shared/menu';

/** The views the View menu opens; ids are renderer/store/ui.ts's VIEWS. */
export const VIEWS = MENU_VIEWS;
export type ViewId = MenuViewId;
export type { MenuCommand };

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
        // Digits only: plain-letter accelerators would swallow typing in the renderer's inputs.
        ...VIEWS.map(
          (v, i): MenuItemConstructorOptions => ({
            label: v.label,
            ...(i < 10 ? { accelerator: `CmdOrCtrl+${(i + 1) % 10}` } : {}),
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
