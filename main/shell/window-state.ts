// The window's size and position, kept in a small JSON file in userData and clamped on load
// so a window never opens off-screen or larger than the display it lands on.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Absent: let the OS place the window. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 800, height: 560 };
/** How much of the title bar must be on a display for the saved position to be kept. */
const VISIBLE = 64;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined);

/** Turns whatever was saved (maybe garbage) into a state that fits the given work areas. */
export function clampWindowState(saved: unknown, workAreas: Rect[]): WindowState {
  const s = (saved && typeof saved === 'object' ? saved : {}) as Record<string, unknown>;
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
  let width = num(s.width) ?? DEFAULT_SIZE.width;
  let height = num(s.height) ?? DEFAULT_SIZE.height;
  const x = num(s.x);
  const y = num(s.y);
  const maximized = s.maximized === true;

  // The display holding the window's top strip, where the title bar is.
  const area =
    x !== undefined && y !== undefined
      ? workAreas.find(
          (a) =>
            Math.min(x + width, a.x + a.width) - Math.max(x, a.x) >= VISIBLE &&
            y >= a.y &&
            y < a.y + a.height - VISIBLE / 2,
        )
      : undefined;
  const target = area ?? primary;
  width = Math.max(Math.min(MIN_SIZE.width, target.width), Math.min(width, target.width));
  height = Math.max(Math.min(MIN_SIZE.height, target.height), Math.min(height, target.height));
  if (!area || x === undefined || y === undefined) return { width, height, maximized };
  return {
    x: Math.min(Math.max(x, area.x), area.x + area.width - width),
    y: Math.min(Math.max(y, area.y), area.y + area.height - height),
    width,
    height,
    maximized,
  };
}

export function loadWindowState(file: string, workAreas: Rect[]): WindowState {
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    saved = undefined;
  }
  return clampWindowState(saved, workAreas);
}

/** Write-then-rename, so a crash mid-write never leaves half a file. */
export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state) + '\n');
  renameSync(tmp, file);
}
