// The native menu as a pure template builder: the shell passes callbacks, tests call them.
import type { MenuItemConstructorOptions } from 'electron';

import { MENU_VIEWS, type MenuCommand, type MenuViewId } from '../../shared/menu';
import type { LabMenuState } from './lab-menu';

/** The views the View menu opens; ids are renderer/store/ui.ts's VIEWS. */
export const VIEWS = MENU_VIEWS;
export type ViewId = MenuViewId;
export type { MenuCommand };

export interface MenuCallbacks {
  newLab(): void;
  openLab(name: string): void;
  duplicateLab(): void;
  exportLab(): void;
  importLab(): void;
  snapshot(): void;
  restore(snapshotId: string): void;
  openBackupsFolder(): void;
  restoreBackup(): void;
  navigate(view: ViewId): void;
  toggleDarkMode(): void;
  showShortcuts(): void;
  showAbout(): void;
}

const NO_LABS: LabMenuState = { current: null, recent: [], snapshots: [] };

/** The File menu's lab items (none where one file is served: no lab host). */
function labItems(cb: MenuCallbacks, labs: LabMenuState): MenuItemConstructorOptions[] {
  if (labs.current === null) return [];
  const none = (label: string): MenuItemConstructorOptions => ({ label, enabled: false });
  return [
    { label: 'New Lab', accelerator: 'CmdOrCtrl+N', click: () => cb.newLab() },
    {
      label: 'Open Recent',
      submenu: labs.recent.length
        ? labs.recent.map((name): MenuItemConstructorOptions => (name === labs.current ? { label: name, type: 'checkbox', checked: true, enabled: false } : { label: name, click: () => cb.openLab(name) }))
        : [none('No labs')],
    },
    { label: `Duplicate ${labs.current}`, click: () => cb.duplicateLab() },
    { type: 'separator' },
    { label: 'Export Lab…', accelerator: 'CmdOrCtrl+E', click: () => cb.exportLab() },
    { label: 'Import Lab…', accelerator: 'CmdOrCtrl+O', click: () => cb.importLab() },
    { type: 'separator' },
    { label: 'Take Snapshot', click: () => cb.snapshot() },
    {
      label: 'Restore Snapshot',
      submenu: labs.snapshots.length ? labs.snapshots.map((s): MenuItemConstructorOptions => ({ label: `${s.created_at.replace('T', ' ').slice(0, 19)} (${s.label || 'snapshot'})`, click: () => cb.restore(s.id) })) : [none('No snapshots')],
    },
    { type: 'separator' },
  ];
}

export function buildMenuTemplate(cb: MenuCallbacks, opts: { isMac: boolean; appName?: string; labs?: LabMenuState }): MenuItemConstructorOptions[] {
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
        ...labItems(cb, opts.labs ?? NO_LABS),
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
