import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, VIEWS, type MenuCallbacks } from '../../main/shell/menu';
import { VIEWS as RENDERER_VIEWS } from '../../renderer/store/ui';

function callbacks() {
  return {
    openBackupsFolder: vi.fn(),
    restoreBackup: vi.fn(),
    navigate: vi.fn(),
    toggleDarkMode: vi.fn(),
    showShortcuts: vi.fn(),
    showAbout: vi.fn(),
    newLab: vi.fn(),
    openLab: vi.fn(),
    duplicateLab: vi.fn(),
    exportLab: vi.fn(),
    importLab: vi.fn(),
    snapshot: vi.fn(),
    restore: vi.fn(),
  } satisfies MenuCallbacks;
}

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

function find(items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions {
  const item = flatten(items).find((i) => i.label === label);
  if (!item) throw new Error(`no menu item ${label}`);
  return item;
}

const click = (item: MenuItemConstructorOptions) =>
  (item.click as unknown as () => void)();

it('offers exactly the renderer’s views, in its order', () => {
  expect(VIEWS.map((v) => v.id)).toEqual([...RENDERER_VIEWS]);
});

describe('the File menu on the lab host', () => {
  const labs = { current: 'alpha', recent: ['beta', 'alpha'], snapshots: [{ id: 'alpha-1.db', label: 'before-restore', created_at: '2026-12-01T10:00:00.000Z' }] };

  it('offers New lab, Open recent, Duplicate, Export, Import, Snapshot and Restore, each calling its labs action', () => {
    const file = buildMenuTemplate(callbacks(), { isMac: false, labs }).find((m) => m.label === 'File')!;
    expect((file.submenu as MenuItemConstructorOptions[]).map((i) => i.label ?? i.type ?? i.role)).toEqual([
      'New Lab',
      'Open Recent',
      'Duplicate alpha',
      'separator',
      'Export Lab…',
      'Import Lab…',
      'separator',
      'Take Snapshot',
      'Restore Snapshot',
      'separator',
      'Backups',
      'separator',
      'quit',
    ]);
    const expected: [string, keyof MenuCallbacks, unknown[]][] = [
      ['New Lab', 'newLab', []],
      ['beta', 'openLab', ['beta']],
      ['Duplicate alpha', 'duplicateLab', []],
      ['Export Lab…', 'exportLab', []],
      ['Import Lab…', 'importLab', []],
      ['Take Snapshot', 'snapshot', []],
      ['2026-12-01 10:00:00 (before-restore)', 'restore', ['alpha-1.db']],
    ];
    for (const [label, name, args] of expected) {
      const cb = callbacks();
      click(find(buildMenuTemplate(cb, { isMac: false, labs }), label));
      for (const [k, fn] of Object.entries(cb)) expect(fn, `${label} → ${k}`).toHaveBeenCalledTimes(k === name ? 1 : 0);
      expect(cb[name]).toHaveBeenCalledWith(...args);
    }
    // The current lab is checked, not a link to itself.
    expect(find(buildMenuTemplate(callbacks(), { isMac: false, labs }), 'alpha')).toMatchObject({ type: 'checkbox', checked: true, enabled: false });
  });

  it('has no lab items where one file is served', () => {
    const file = buildMenuTemplate(callbacks(), { isMac: false }).find((m) => m.label === 'File')!;
    expect((file.submenu as MenuItemConstructorOptions[]).map((i) => i.label ?? i.type ?? i.role)).toEqual(['Backups', 'separator', 'quit']);
  });
});

describe.each([false, true])('menu template (isMac=%s)', (isMac) => {
  it('gives every item a click handler, a role, a submenu or a separator', () => {
    for (const item of flatten(buildMenuTemplate(callbacks(), { isMac }))) {
      const kinds = [typeof item.click === 'function', item.role !== undefined, Array.isArray(item.submenu), item.type === 'separator'];
      expect(kinds.filter(Boolean), JSON.stringify(item.label ?? item.role)).toHaveLength(1);
    }
  });

  it('calls exactly the right callback for each clickable item', () => {
    const expected: Record<string, [keyof MenuCallbacks, unknown[]]> = {
      'Open Backups Folder': ['openBackupsFolder', []],
      'Restore from Backup…': ['restoreBackup', []],
      'Toggle Dark Mode': ['toggleDarkMode', []],
      'Keyboard Shortcuts': ['showShortcuts', []],
      'About Crosspod': ['showAbout', []],
      ...Object.fromEntries(VIEWS.map((v) => [v.label, ['navigate', [v.id]]])),
    };
    const clickable = flatten(buildMenuTemplate(callbacks(), { isMac })).filter((i) => i.click);
    expect(clickable.map((i) => i.label).sort()).toEqual(Object.keys(expected).sort());
    for (const [label, [name, args]] of Object.entries(expected)) {
      const cb = callbacks();
      click(find(buildMenuTemplate(cb, { isMac }), label));
      for (const [k, fn] of Object.entries(cb)) {
        expect(fn, `${label} → ${k}`).toHaveBeenCalledTimes(k === name ? 1 : 0);
      }
      expect(cb[name]).toHaveBeenCalledWith(...args);
    }
  });

  it('has File, Edit, View and Help, with quit available', () => {
    const t = buildMenuTemplate(callbacks(), { isMac });
    const labels = t.map((m) => m.label);
    expect(labels).toEqual(isMac ? ['Crosspod', 'File', 'Edit', 'View', 'Help'] : ['File', 'Edit', 'View', 'Help']);
    expect(flatten(t).filter((i) => i.role === 'quit')).toHaveLength(1);
  });

  it('gives each view a distinct accelerator', () => {
    const view = find(buildMenuTemplate(callbacks(), { isMac }), 'View');
    const accels = (view.submenu as MenuItemConstructorOptions[]).map((i) => i.accelerator).filter(Boolean);
    expect(new Set(accels).size).toBe(accels.length);
    expect(accels).toContain('CmdOrCtrl+1');
  });
});
