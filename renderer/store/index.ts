// UI state only (view, selection, busy actions and their errors, dialogs, toasts); server state
// lives in TanStack Query (renderer/data).
import { create } from 'zustand';
import { createDialogSlice, type DialogSlice } from './dialogs';
import { createUiSlice, type UiSlice } from './ui';

export type AppState = UiSlice & DialogSlice;

export const useApp = create<AppState>()((...a) => ({
  ...createUiSlice(...a),
  ...createDialogSlice(...a),
}));

/** Back to the first state (tests). */
export function resetStore(): void {
  useApp.setState(useApp.getInitialState(), true);
}

export { setClient, getClient } from './client-ref';
