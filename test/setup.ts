// Shared setup for the unit project. jsdom-based component tests opt in per file with
// `// @vitest-environment jsdom`; React Flow needs a ResizeObserver there.
if (typeof globalThis.ResizeObserver === 'undefined') {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}
