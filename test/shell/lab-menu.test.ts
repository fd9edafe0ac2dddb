// The File menu's lab items against the real lab host on a temp user-data folder, with the native
// dialogs faked: each item makes the same labs.* call the Labs view makes, and the menu follows.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dataDirLayout, openLabHost, type LabHost } from '../../main/engine/labs/host';
import { freeLabName, labMenuActions, labMenuState, type LabMenuDialogs } from '../../main/shell/lab-menu';

let dir: string;
let host: LabHost;
const dialogs = {
  saveFile: vi.fn<LabMenuDialogs['saveFile']>(),
  openFile: vi.fn<LabMenuDialogs['openFile']>(),
  confirm: vi.fn<LabMenuDialogs['confirm']>(),
  error: vi.fn<LabMenuDialogs['error']>(),
};
const menu = () => labMenuActions(() => host, dialogs);
const current = async () => (await host.call('labs.current', {})).name;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-lab-menu-'));
  host = await openLabHost(dataDirLayout(dir));
});
afterAll(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('File menu lab items', () => {
  it('picks free names as the Labs view does', () => {
    expect(freeLabName('lab', ['default'])).toBe('lab');
    expect(freeLabName('lab', ['lab', 'LAB-2'])).toBe('lab-3');
  });

  it('New Lab makes and opens "lab"; Open Recent switches back; the state lists them', async () => {
    const first = await current();
    await menu().newLab();
    expect(await current()).toBe('lab');
    await menu().openLab(first);
    expect(await current()).toBe(first);
    const state = await labMenuState(host);
    expect(state.current).toBe(first);
    expect([...state.recent].sort()).toEqual([first, 'lab'].sort());
    expect(dialogs.error).not.toHaveBeenCalled();
  });

  it('Duplicate copies the current lab under a free name, not opened', async () => {
    await host.call('lab.loadExample', {});
    await menu().duplicateLab();
    const names = (await host.call('labs.list', {})).labs.map((l) => l.name);
    expect(names).toContain(`${await current()}-copy`);
    expect(dialogs.error).not.toHaveBeenCalled();
  });

  it('Export writes the lab document where the save dialog says; Import makes a new lab from a picked file', async () => {
    const file = join(dir, 'out.crosspod-lab.json');
    dialogs.saveFile.mockResolvedValueOnce(file);
    await menu().exportLab();
    expect(dialogs.saveFile).toHaveBeenCalledWith(`${await current()}.crosspod-lab.json`);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe((await host.call('labs.export', {})).text);
    dialogs.openFile.mockResolvedValueOnce(file);
    await menu().importLab();
    expect(await current()).toBe('out');
    expect((await host.call('labs.export', {})).text).toBe(text);
    // Cancelled dialogs do nothing.
    dialogs.saveFile.mockResolvedValueOnce(null);
    dialogs.openFile.mockResolvedValueOnce(null);
    const before = (await host.call('labs.list', {})).labs.length;
    await menu().exportLab();
    await menu().importLab();
    expect((await host.call('labs.list', {})).labs.length).toBe(before);
    expect(dialogs.error).not.toHaveBeenCalled();
  });

  it('Snapshot, then Restore after the confirmation (Cancel keeps the lab as it is)', async () => {
    await menu().snapshot();
    const [snap] = (await labMenuState(host)).snapshots;
    expect(snap).toBeDefined();
    await host.call('fips.delete', { id: (await host.call('fips.list', {})).items[0].id });
    dialogs.confirm.mockResolvedValueOnce(false);
    await menu().restore(snap.id);
    expect((await host.call('fips.list', {})).total).toBe(0);
    dialogs.confirm.mockResolvedValueOnce(true);
    await menu().restore(snap.id);
    expect(dialogs.confirm).toHaveBeenLastCalledWith(`Restore out to ${snap.id}?`, 'What the lab holds now is kept in a "before restore" snapshot first.');
    expect((await host.call('fips.list', {})).items.map((f) => f.floating_ip_address)).toEqual(['162.3.124.5']);
    expect(dialogs.error).not.toHaveBeenCalled();
  });

  it('shows a refusal in an error box and throws nothing into the menu', async () => {
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{"version": 99}');
    dialogs.openFile.mockResolvedValueOnce(bad);
    await menu().importLab();
    expect(dialogs.error).toHaveBeenCalledWith('Import lab failed', expect.stringMatching(/^LAB_DOCUMENT_INVALID: /));
    expect(existsSync(join(dir, 'labs', 'broken.db'))).toBe(false);
  });
});
