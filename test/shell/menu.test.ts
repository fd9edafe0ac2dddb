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
