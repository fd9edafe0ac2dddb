import { useEffect, useSyncExternalStore } from 'react';
import { useApp } from './store';

const query = '(prefers-color-scheme: dark)';

function subscribe(cb: () => void): () => void {
  if (typeof matchMedia === 'undefined') return () => {};
  const m = matchMedia(query);
  m.addEventListener?.('change', cb);
  return () => m.removeEventListener?.('change', cb);
}

function systemDark(): boolean {
  return typeof matchMedia !== 'undefined' && matchMedia(query).matches;
}

/** 'light' or 'dark': the user's override, else the system's. */
export function useEffectiveTheme(): 'light' | 'dark' {
  const choice = useApp((s) => s.theme);
  const dark = useSyncExternalStore(subscribe, systemDark, () => false);
  return choice === 'system' ? (dark ? 'dark' : 'light') : choice;
}

/** Puts the theme on <html> so the one stylesheet can switch its variables. */
export function useApplyTheme(): void {
  const theme = useEffectiveTheme();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);
}
