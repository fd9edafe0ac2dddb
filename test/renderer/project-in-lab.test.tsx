// @vitest-environment jsdom
// The selected project lives in the lab (view state `console`), not in the browser: a lab that
// saved one opens with it, and a new choice is written back to the lab's database.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectSelect } from '../../renderer/App';
import { queryClient } from '../../renderer/data/query';
import { useApp } from '../../renderer/store';
import { newEngine, type TestEngine } from '../engine/support/engine';
import { connectEngine } from './real-engine';

let t: TestEngine | undefined;
afterEach(async () => {
  cleanup();
  queryClient.clear();
  await t?.close();
  t = undefined;
});

describe('the selected project', () => {
  it("opens with the lab's saved project and writes a new choice back to the lab", async () => {
    t = await newEngine();
    const e = t.engine;
    await e.call('lab.loadExample', {});
    await e.call('view.set', { view: 'console', state: { positions: {}, collapsed: [], project: 'proj1' } });
    await e.idle();
    connectEngine(e);
    useApp.setState({ project: '' });
    render(
      <QueryClientProvider client={queryClient}>
        <ProjectSelect />
      </QueryClientProvider>,
    );
    const select = (await screen.findByTestId('project-select')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('proj1'));
    expect(useApp.getState().project).toBe('proj1');

    fireEvent.change(select, { target: { value: '' } });
    await waitFor(async () => expect((await e.call('view.get', { view: 'console' })).state).toEqual({ positions: {}, collapsed: [], project: '' }));
    expect(select.value).toBe('');
  });
});
