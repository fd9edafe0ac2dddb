// Lint: typescript-eslint's recommended rules, plus the import directions of DESIGN.md:
// renderer -> shared <- main/engine; only main/shell imports electron; the engine never imports
// React, the DOM's renderer code, the shell or the transports.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const restrict = (patterns, paths = []) => ['error', { patterns, paths }];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test/e2e/screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}', 'scripts/**', 'test/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['main/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['electron', 'electron/*'], message: 'Only main/shell may import electron.' },
        { group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', '@xyflow/*', 'elkjs', 'elkjs/*'], message: 'The engine never imports UI code.' },
        { group: ['**/renderer/**', '**/main/shell/**', '**/main/serve/**', '../shell/**', '../serve/**', '../../shell/**', '../../serve/**'], message: 'The engine is imported by the shell and the server, never the other way.' },
      ]),
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['**/main/**', '**/renderer/**', 'electron', 'react', 'better-sqlite3', 'node:*'], message: 'shared/ is the contract: it imports neither side.' },
      ]),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['**/main/**', 'electron', 'electron/*', 'better-sqlite3', 'node:*'], message: 'The renderer reaches the engine only through the contract client.' },
      ]),
    },
  },
  {
    files: ['main/serve/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([{ group: ['electron', 'electron/*', '**/renderer/**'], message: 'Headless mode runs without Electron.' }]),
    },
  },
  {
    files: ['test/**/*.{ts,tsx}'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
