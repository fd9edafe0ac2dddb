// @vitest-environment jsdom
// The Labs view over a fake engine: what each button sends, what it asks first, the progress of a
// gallery example, and that every view reloads when labs.changed says the lab switched.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LabInfo } from '../../shared/contract';
import { freeName } from '../../renderer/views/Labs';
import { fakeEngine, renderApp, type Fake } from './fake-engine';
import { pods } from './fixtures';

let fake: Fake;
const info = (name: string, more: Partial<LabInfo> = {}): LabInfo => ({ name, current: false, size_bytes: 4096 * 10, modified_at: '2026-12-01T10:00:00.000Z', pods: 3, real_regions: [], ...more });
let labs: LabInfo[];
const ok = (value: unknown) => ({ ok: true as const, value });

beforeEach(async () => {
  localStorage.clear();
  history.replaceState(null, '', '#/labs');
  labs = [info('default', { current: true }), info('worked-example'), info('prod-mirror', { real_regions: ['RegionTwo'] })];
  fake = fakeEngine(
    { pods: [...pods] },
    {
      'labs.list': () => ok({ labs, current: 'default', single_file: false }),
      'labs.current': () => ok(labs.find((l) => l.current)),
      'labs.snapshots': (i) => ok({ snapshots: i.name === 'prod-mirror' ? [{ id: 'prod-mirror-20261201T090000Z.db', lab: 'prod-mirror', label: 'before-reset', created_at: '2026-12-01T09:00:00.000Z', size_bytes: 1 }] : [] }),
      'labs.create': (i) => ok(info(String(i.name), { current: true })),
      'labs.open': (i) => ok(info(String(i.name), { current: true })),
      'labs.export': () => ok({ document: { version: 1 }, text: '{\n  "version": 1\n}\n' }),
      'labs.import': (i) => ok(info(String(i.name), { current: true })),
      'labs.reset': (i) => ok(info(String(i.name))),
      'labs.restore': (i) => ok({ lab: info(String(i.name)), before: { id: 'x', lab: String(i.name), label: 'before-restore', created_at: '', size_bytes: 1 } }),
      'labs.duplicate': (i) => ok(info(String(i.new_name))),
      'labs.rename': (i) => ok(info(String(i.new_name))),
    },
  );
  renderApp();
  await waitFor(() => expect(document.documentElement.dataset.appState).toBe('ready'));
  fireEvent.click(screen.getByTestId('nav-labs'));
});
afterEach(cleanup);

describe('the Labs view', () => {
  it('names a free lab after a base', () => {
    expect(freeName('worked-example', ['default'])).toBe('worked-example');
    expect(freeName('worked-example', ['Worked-Example', 'worked-example-2'])).toBe('worked-example-3');
  });

  it('lists the labs, marks the current one and flags real regions; the header names the current lab', async () => {
    const cur = await screen.findByTestId('lab-row-default');
    expect(within(cur).getByTestId('lab-current').textContent).toBe('current');
    expect(within(cur).queryByTestId('lab-open')).toBeNull();
    expect((within(cur).getByTestId('lab-delete') as HTMLButtonElement).disabled).toBe(true);
    expect(within(screen.getByTestId('lab-row-prod-mirror')).getByTestId('lab-real').textContent).toBe('real regions: RegionTwo');
    expect((await screen.findByTestId('current-lab')).textContent).toBe('Lab: default');
  });

  it('opens another lab, and labs.changed reloads every view', async () => {
    await act(async () => {
      fireEvent.click(within(await screen.findByTestId('lab-row-worked-example')).getByTestId('lab-open'));
    });
    expect(fake.calls('labs.open')).toEqual([{ name: 'worked-example' }]);
    const podsBefore = fake.calls('pods.list').length;
    labs = labs.map((l) => ({ ...l, current: l.name === 'worked-example' }));
    act(() => fake.emit({ name: 'labs.changed', ids: ['worked-example'], current: 'worked-example' }));
    await waitFor(() => expect(fake.calls('pods.list').length).toBeGreaterThan(podsBefore));
    await waitFor(() => expect(within(screen.getByTestId('lab-row-worked-example')).getByTestId('lab-current')).toBeTruthy());
    expect(screen.getByTestId('current-lab').textContent).toBe('Lab: worked-example');
  });

  it('makes a new lab from a gallery example in one click, under a free name, with its progress shown', async () => {
    const card = await screen.findByTestId('gallery-worked-example');
    await act(async () => {
      fireEvent.click(within(card).getByTestId('gallery-create'));
    });
    expect(fake.calls('labs.create')).toEqual([{ name: 'worked-example-2', example: 'worked-example' }]);
    act(() => fake.emit({ name: 'labs.progress', ids: [], lab_progress: { lab: 'demo-20-pods', operation: 'create', done: 40, total: 120, step: 'floating IPs' } }));
    const progress = await screen.findByTestId('lab-progress');
    expect(progress.textContent).toBe('create demo-20-pods: floating IPs 40 / 120');
    expect(progress.querySelector('progress')!.value).toBe(40);
    act(() => fake.emit({ name: 'labs.progress', ids: [], lab_progress: { lab: 'demo-20-pods', operation: 'create', done: 120, total: 120, step: 'done' } }));
    await waitFor(() => expect(screen.queryByTestId('lab-progress')).toBeNull());
  });

  it('creates, renames and duplicates by name; a name that is no file name cannot be sent', async () => {
    const form = await screen.findByTestId('lab-create-form');
    fireEvent.change(within(form).getByTestId('lab-create-form-name'), { target: { value: 'my lab/2' } });
    expect((within(form).getByTestId('lab-create-form-submit') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(form).getByTestId('lab-create-form-name'), { target: { value: 'design-a' } });
    await act(async () => {
      fireEvent.click(within(form).getByTestId('lab-create-form-submit'));
    });
    expect(fake.calls('labs.create')).toEqual([{ name: 'design-a' }]);

    fireEvent.click(within(screen.getByTestId('lab-row-worked-example')).getByTestId('lab-duplicate'));
    const dup = await screen.findByTestId('lab-duplicate-form');
    expect((within(dup).getByTestId('lab-duplicate-form-name') as HTMLInputElement).value).toBe('worked-example-copy');
    await act(async () => {
      fireEvent.click(within(dup).getByTestId('lab-duplicate-form-submit'));
    });
    expect(fake.calls('labs.duplicate')).toEqual([{ name: 'worked-example', new_name: 'worked-example-copy' }]);

    fireEvent.click(within(screen.getByTestId('lab-row-default')).getByTestId('lab-rename'));
    const ren = await screen.findByTestId('lab-rename-form');
    fireEvent.change(within(ren).getByTestId('lab-rename-form-name'), { target: { value: 'main' } });
    await act(async () => {
      fireEvent.click(within(ren).getByTestId('lab-rename-form-submit'));
    });
    expect(fake.calls('labs.rename')).toEqual([{ name: 'default', new_name: 'main' }]);
  });

  it('reset asks first, says a real region is not touched, and forces only after that', async () => {
    fireEvent.click(within(await screen.findByTestId('lab-row-prod-mirror')).getByTestId('lab-reset'));
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByTestId('confirm-title').textContent).toBe('Reset lab prod-mirror: everything in it goes (3 pods)');
    expect(dialog.textContent).toContain('This lab runs real-region pods (RegionTwo): only the lab file changes; the regions keep what they hold.');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.calls('labs.reset')).toEqual([]);
    fireEvent.click(within(screen.getByTestId('lab-row-prod-mirror')).getByTestId('lab-reset'));
    await act(async () => {
      fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Reset lab' }));
    });
    expect(fake.calls('labs.reset')).toEqual([{ name: 'prod-mirror', force: true }]);
  });

  it('lists snapshots and restores one after asking', async () => {
    const row = await screen.findByTestId('lab-row-prod-mirror');
    fireEvent.click(within(row).getByTestId('lab-snapshots'));
    const snap = await screen.findByTestId('lab-snapshot-prod-mirror-20261201T090000Z.db');
    fireEvent.click(within(snap).getByTestId('lab-snapshot-restore'));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toContain('What the lab holds now is kept in a "before restore" snapshot first.');
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Restore' }));
    });
    expect(fake.calls('labs.restore')).toEqual([{ name: 'prod-mirror', snapshot: 'prod-mirror-20261201T090000Z.db', force: true }]);
    await act(async () => {
      fireEvent.click(within(screen.getByTestId('lab-row-default')).getByTestId('lab-snapshot'));
    });
    expect(fake.calls('labs.snapshot')).toEqual([{ name: 'default' }]);
  });

  it('exports the lab document as a download, and imports a picked file as a new lab', async () => {
    const created = vi.fn((_b: Blob) => 'blob:lab');
    URL.createObjectURL = created as never;
    URL.revokeObjectURL = vi.fn();
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    await act(async () => {
      fireEvent.click(within(await screen.findByTestId('lab-row-worked-example')).getByTestId('lab-export'));
    });
    expect(fake.calls('labs.export')).toEqual([{ name: 'worked-example' }]);
    await waitFor(() => expect(clicked).toHaveBeenCalledTimes(1));
    expect((clicked.mock.contexts[0] as HTMLAnchorElement).download).toBe('worked-example.crosspod-lab.json');
    expect(await created.mock.calls[0][0].text()).toBe('{\n  "version": 1\n}\n');

    const file = new File(['{"version":1,"pods":[]}'], 'worked-example.crosspod-lab.json', { type: 'application/json' });
    await act(async () => {
      fireEvent.change(screen.getByTestId('lab-import-file'), { target: { files: [file] } });
    });
    await waitFor(() => expect((screen.getByTestId('lab-import-name') as HTMLInputElement).value).toBe('worked-example-2'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('lab-import-submit'));
    });
    expect(fake.calls('labs.import')).toEqual([{ name: 'worked-example-2', document: { version: 1, pods: [] } }]);
  });
});
