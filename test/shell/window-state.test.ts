import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clampWindowState, DEFAULT_SIZE, loadWindowState, MIN_SIZE, saveWindowState } from '../../main/shell/window-state';

const laptop = { x: 0, y: 0, width: 1440, height: 875 };
const right = { x: 1440, y: 0, width: 1920, height: 1050 };
const dir = mkdtempSync(join(tmpdir(), 'crosspod-winstate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clampWindowState', () => {
  it('uses the defaults for nothing or garbage, letting the OS place the window', () => {
    const want = { ...DEFAULT_SIZE, maximized: false };
    expect(clampWindowState(undefined, [laptop])).toEqual(want);
    expect(clampWindowState('junk', [laptop])).toEqual(want);
    expect(clampWindowState({ width: 'wide', height: null, x: NaN, y: Infinity }, [laptop])).toEqual(want);
  });

  it('keeps a state that fits', () => {
    expect(clampWindowState({ x: 100, y: 50, width: 1000, height: 700, maximized: true }, [laptop])).toEqual({
      x: 100,
      y: 50,
      width: 1000,
      height: 700,
      maximized: true,
    });
  });

  it('keeps a window on a second display', () => {
    expect(clampWindowState({ x: 1600, y: 100, width: 1200, height: 800 }, [laptop, right])).toEqual({
      x: 1600,
      y: 100,
      width: 1200,
      height: 800,
      maximized: false,
    });
  });

  it('shrinks a window larger than its display and enforces the minimum size', () => {
    expect(clampWindowState({ x: 0, y: 0, width: 5000, height: 3000 }, [laptop])).toEqual({
      x: 0,
      y: 0,
      width: 1440,
      height: 875,
      maximized: false,
    });
    expect(clampWindowState({ x: 10, y: 10, width: 100, height: 50 }, [laptop])).toEqual({
      x: 10,
      y: 10,
      ...MIN_SIZE,
      maximized: false,
    });
    // A display smaller than the minimum wins over the minimum.
    const tiny = { x: 0, y: 0, width: 640, height: 480 };
    expect(clampWindowState({ width: 1000, height: 1000 }, [tiny])).toEqual({ width: 640, height: 480, maximized: false });
  });

  it('drops the position of a window on a display that is gone', () => {
    // Saved on the right-hand display, which is now unplugged.
    expect(clampWindowState({ x: 2000, y: 100, width: 1200, height: 800 }, [laptop])).toEqual({
      width: 1200,
      height: 800,
      maximized: false,
    });
    expect(clampWindowState({ x: -5000, y: -5000, width: 900, height: 600 }, [laptop])).toEqual({
      width: 900,
      height: 600,
      maximized: false,
    });
  });

  it('pulls a window that hangs off its display back on', () => {
    expect(clampWindowState({ x: 1000, y: 300, width: 1000, height: 700 }, [laptop])).toEqual({
      x: 440,
      y: 175,
      width: 1000,
      height: 700,
      maximized: false,
    });
    expect(clampWindowState({ x: -200, y: 0, width: 1000, height: 700 }, [laptop])).toEqual({
      x: 0,
      y: 0,
      width: 1000,
      height: 700,
      maximized: false,
    });
  });
});

describe('load and save', () => {
  it('round-trips through the file', () => {
    const file = join(dir, 'a', 'window-state.json');
    const state = { x: 20, y: 30, width: 1100, height: 760, maximized: false };
    saveWindowState(file, state);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state);
    expect(loadWindowState(file, [laptop])).toEqual(state);
  });

  it('survives a missing or corrupt file', () => {
    expect(loadWindowState(join(dir, 'none.json'), [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"width": 12');
    expect(loadWindowState(bad, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
  });
});
