// The confirmation dialog and the undo toasts: UI state, with the promise a confirm() awaits.
import type { Slice } from './types';

export interface ConfirmRequest {
  title: string;
  /** What goes with the action, one line each. */
  lines: string[];
  confirmLabel: string;
}

export interface Toast {
  id: number;
  message: string;
  /** Runs the inverse operations; the toast shows its progress and error. */
  undo?: () => Promise<unknown>;
}

export interface DialogSlice {
  confirming: (ConfirmRequest & { resolve(ok: boolean): void }) | null;
  toasts: Toast[];
  /** Asks first; resolves true when the user confirms. */
  confirm(req: ConfirmRequest): Promise<boolean>;
  answer(ok: boolean): void;
  toast(t: Omit<Toast, 'id'>): number;
  dismissToast(id: number): void;
  /** Another lab: its toasts' Undo would name entries of the lab left behind. */
  dropToasts(): void;
}

let nextToast = 1;

export const createDialogSlice: Slice<DialogSlice> = (set, get) => ({
  confirming: null,
  toasts: [],
  confirm: (req) =>
    new Promise<boolean>((resolve) => {
      get().confirming?.resolve(false);
      set({ confirming: { ...req, resolve } });
    }),
  answer: (ok) => {
    const c = get().confirming;
    set({ confirming: null });
    c?.resolve(ok);
  },
  toast: (t) => {
    const id = nextToast++;
    // The last few only: an undo is for what was just done.
    set((s) => ({ toasts: [...s.toasts.slice(-2), { ...t, id }] }));
    return id;
  },
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  dropToasts: () => set({ toasts: [] }),
});
