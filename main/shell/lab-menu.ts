// The File menu's lab items: each one the same labs.* call the console's Labs view makes, on the
// engine the shell serves (the lab host). Native dialogs come in as functions, so the fake
// Electron tests drive these with the real host.
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Engine } from '../engine/types';

export interface LabMenuDialogs {
  /** A path to save to, or null when cancelled. */
  saveFile(defaultName: string): Promise<string | null>;
  openFile(): Promise<string | null>;
  confirm(message: string, detail: string): Promise<boolean>;
  error(message: string, detail: string): void;
}

/** What the File menu lists: the current lab, recent labs (newest first), its snapshots. */
export interface LabMenuState {
  current: string | null;
  recent: string[];
  snapshots: { id: string; label: string; created_at: string }[];
}

export const RECENT_LABS = 8;

/** The first free name from a base (as the Labs view picks it). */
export function freeLabName(base: string, taken: string[]): string {
  const have = new Set(taken.map((n) => n.toLowerCase()));
  if (!have.has(base.toLowerCase())) return base;
  for (let k = 2; ; k++) if (!have.has(`${base}-${k}`.toLowerCase())) return `${base}-${k}`;
}

export async function labMenuState(engine: Engine): Promise<LabMenuState> {
  try {
    const { labs, current } = await engine.call('labs.list', {});
    const recent = [...labs].sort((a, b) => (a.modified_at < b.modified_at ? 1 : a.modified_at > b.modified_at ? -1 : 0)).map((l) => l.name);
    const snapshots = current ? (await engine.call('labs.snapshots', { name: current })).snapshots : [];
    return { current, recent: recent.slice(0, RECENT_LABS), snapshots: snapshots.slice(0, 12) };
  } catch {
    // One file served (CROSSPOD_DB): no lab items.
    return { current: null, recent: [], snapshots: [] };
  }
}

export interface LabMenuActions {
  newLab(): Promise<void>;
  openLab(name: string): Promise<void>;
  duplicateLab(): Promise<void>;
  exportLab(): Promise<void>;
  importLab(): Promise<void>;
  snapshot(): Promise<void>;
  restore(snapshotId: string): Promise<void>;
}

export function labMenuActions(engine: () => Engine | null, ui: LabMenuDialogs): LabMenuActions {
  const names = async (e: Engine) => (await e.call('labs.list', {})).labs.map((l) => l.name);
  /** Runs one menu action; a refusal is shown, never thrown into Electron's menu code. */
  const guard =
    <A extends unknown[]>(what: string, fn: (e: Engine, ...a: A) => Promise<void>) =>
    async (...a: A): Promise<void> => {
      const e = engine();
      if (!e) return;
      try {
        await fn(e, ...a);
      } catch (err) {
        const b = err as { code?: string; message?: string };
        ui.error(`${what} failed`, `${b.code ? `${b.code}: ` : ''}${b.message ?? String(err)}`);
      }
    };
  return {
    newLab: guard('New lab', async (e) => {
      await e.call('labs.create', { name: freeLabName('lab', await names(e)) });
    }),
    openLab: guard('Open lab', async (e, name: string) => {
      await e.call('labs.open', { name });
    }),
    duplicateLab: guard('Duplicate lab', async (e) => {
      const { name } = await e.call('labs.current', {});
      await e.call('labs.duplicate', { name, new_name: freeLabName(`${name}-copy`, await names(e)) });
    }),
    exportLab: guard('Export lab', async (e) => {
      const { name } = await e.call('labs.current', {});
      const file = await ui.saveFile(`${name}.crosspod-lab.json`);
      if (!file) return;
      const { text } = await e.call('labs.export', { name });
      await writeFile(file, text);
    }),
    importLab: guard('Import lab', async (e) => {
      const file = await ui.openFile();
      if (!file) return;
      const document = JSON.parse(await readFile(file, 'utf8')) as unknown;
      const base = basename(file).replace(/\.crosspod-lab\.json$|\.json$/i, '').replace(/[^A-Za-z0-9 ._-]/g, '-') || 'imported';
      await e.call('labs.import', { name: freeLabName(base, await names(e)), document });
    }),
    snapshot: guard('Snapshot', async (e) => {
      await e.call('labs.snapshot', {});
    }),
    restore: guard('Restore', async (e, snapshot: string) => {
      const lab = await e.call('labs.current', {});
      const real = lab.real_regions.length ? `\nThis lab runs real-region pods (${lab.real_regions.join(', ')}): only the lab file changes; the regions keep what they hold.` : '';
      if (!(await ui.confirm(`Restore ${lab.name} to ${snapshot}?`, `What the lab holds now is kept in a "before restore" snapshot first.${real}`))) return;
      await e.call('labs.restore', { snapshot, ...(lab.real_regions.length ? { force: true } : {}) });
    }),
  };
}
