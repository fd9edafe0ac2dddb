// Node positions and collapsed pods, kept per lab in localStorage.
export interface SavedLayout {
  positions: Record<string, { x: number; y: number }>;
  collapsed: string[];
}

const key = (lab: string) => `crosspod.layout.${lab}`;

export function loadLayout(lab: string): SavedLayout {
  try {
    const raw = globalThis.localStorage?.getItem(key(lab));
    if (raw) {
      const v = JSON.parse(raw) as Partial<SavedLayout>;
      return { positions: v.positions ?? {}, collapsed: Array.isArray(v.collapsed) ? v.collapsed : [] };
    }
  } catch {
    // Corrupt or unavailable storage: start from the computed layout.
  }
  return { positions: {}, collapsed: [] };
}

export function saveLayout(lab: string, layout: SavedLayout): void {
  try {
    globalThis.localStorage?.setItem(key(lab), JSON.stringify(layout));
  } catch {
    // Quota or private mode: positions last for the session only.
  }
}

export function clearLayout(lab: string): void {
  try {
    globalThis.localStorage?.removeItem(key(lab));
  } catch {
    // ignore
  }
}
