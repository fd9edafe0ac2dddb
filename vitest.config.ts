import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Three projects: unit (engine, contract, components), e2e (Chromium against `npm run serve`)
// and neutron (the engine against real Neutron servers started by test/neutron/harness).
export default defineConfig({
  plugins: [react()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/engine/**/*.test.ts', 'test/contract/**/*.test.ts', 'test/renderer/**/*.test.{ts,tsx}', 'test/shell/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'neutron',
          include: ['test/neutron/**/*.test.ts'],
          globalSetup: ['test/neutron/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
