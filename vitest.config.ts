import { defineConfig } from 'vitest/config';

// Two projects: fast tests in parallel, and lab tests that start real Docker engines in network
// namespaces. Lab test files mostly wait on engines and timers, so two run at once on a 2-core
// machine (each lab has its own name, namespaces and subnet); more would starve the engines.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/lab/**/*.test.ts', 'test/sim/**/*.test.ts'],
          // Projects with different worker counts run as separate groups: the fast ones first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
