// The desktop menu's commands (Electron only): navigate, dark mode, the shortcuts overlay.
import type { MenuCommand } from '../../shared/menu';
import type { ThemeChoice, View } from '../store/ui';

export interface MenuTarget {
  setView(v: View): void;
  setTheme(t: ThemeChoice): void;
  setHelpOpen(open: boolean): void;
}

export function applyMenuCommand(c: MenuCommand, ui: MenuTarget): void {
  switch (c.type) {
    case 'navigate':
      ui.setView(c.view as View);
      return;
    case 'theme':
      ui.setTheme(c.dark ? 'dark' : 'light');
      return;
    case 'shortcuts':
      ui.setHelpOpen(true);
      return;
  }
}

/** Subscribes to the preload's menu channel when there is one (not in a browser). */
export function subscribeMenu(ui: () => MenuTarget): (() => void) | null {
  const bridge = typeof window !== 'undefined' ? (window.crosspod as { onMenu?: (l: (c: MenuCommand) => void) => () => void } | undefined) : undefined;
  if (!bridge?.onMenu) return null;
  return bridge.onMenu((c) => applyMenuCommand(c, ui()));
}
