// The desktop menu's commands land in the UI state; the menu's view ids are the renderer's.
import { describe, expect, it, vi } from 'vitest';
import { applyMenuCommand } from '../../renderer/api/menu';
import { VIEWS } from '../../renderer/store/ui';
import { MENU_VIEWS } from '../../shared/menu';

describe('menu commands', () => {
  it('navigate, theme and shortcuts reach the UI state', () => {
    const ui = { setView: vi.fn(), setTheme: vi.fn(), setHelpOpen: vi.fn() };
    applyMenuCommand({ type: 'navigate', view: 'topology' }, ui);
    applyMenuCommand({ type: 'theme', dark: true }, ui);
    applyMenuCommand({ type: 'theme', dark: false }, ui);
    applyMenuCommand({ type: 'shortcuts' }, ui);
    expect(ui.setView.mock.calls).toEqual([['topology']]);
    expect(ui.setTheme.mock.calls).toEqual([['dark'], ['light']]);
    expect(ui.setHelpOpen.mock.calls).toEqual([[true]]);
  });

  it('every view the menu can open is a view of the renderer', () => {
    expect(MENU_VIEWS.map((v) => v.id)).toEqual([...VIEWS]);
  });
});
