// @vitest-environment jsdom
// The Doctor view against a real engine on lab pods: dry run, select, apply, results, clean.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Ipam } from '../../main/engine/ipam';
import { Doctor } from '../../renderer/views/Doctor';
import { newEngine, type TestEngine } from '../engine/support/engine';
import { connectEngine } from './real-engine';

let t: TestEngine | undefined;
afterEach(async () => {
  cleanup();
  await t?.close();
  t = undefined;
});

describe('Doctor view', () => {
  it('runs the doctor, applies the selected repair, then all, and shows the results', async () => {
    t = await newEngine();
    const e = t.engine;
    await e.call('lab.loadExample', {});
    await e.idle();
    const sub1 = (await e.api['subnets.list']({ name: 'subnet1' })).items[0];
    const ipam = new Ipam(e.store.db);
    ipam.allocate(sub1.id, '10.0.1.77');
    ipam.allocate(sub1.id, '10.0.1.78');
    connectEngine(e);
    render(<Doctor />);
    const table = await screen.findByTestId('doctor-table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => [r.dataset.kind, within(r).getAllByRole('cell')[4].textContent])).toEqual([
      ['ipam_leak', '10.0.1.77 is allocated in subnet subnet1 (10.0.1.0/24), but no port, floating IP or gateway holds it'],
      ['ipam_leak', '10.0.1.78 is allocated in subnet subnet1 (10.0.1.0/24), but no port, floating IP or gateway holds it'],
    ]);
    expect((screen.getByTestId('doctor-apply-selected') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(rows[0]).getByTestId('doctor-select'));
    expect(screen.getByTestId('doctor-apply-selected').textContent).toBe('Apply selected (1)');
    fireEvent.click(screen.getByTestId('doctor-apply-selected'));
    await waitFor(() => expect(within(screen.getByTestId('doctor-results')).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['repaired ipam_leak Released 10.0.1.77']));
    await waitFor(() => expect(within(screen.getByTestId('doctor-table')).getAllByRole('row')).toHaveLength(2));
    expect(ipam.isAllocated(sub1.id, '10.0.1.77')).toBe(false);
    expect(ipam.isAllocated(sub1.id, '10.0.1.78')).toBe(true);
    fireEvent.click(screen.getByTestId('doctor-apply-all'));
    await screen.findByTestId('doctor-clean');
    expect(within(screen.getByTestId('doctor-results')).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['repaired ipam_leak Released 10.0.1.78']);
    expect(ipam.isAllocated(sub1.id, '10.0.1.78')).toBe(false);
  });
});
