import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'web/dist/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'use named exports' },
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'read the environment only in src/config/config.ts' },
      ],
    },
  },
  {
    // The counter script runs in browsers as written (ES2017 syntax), not in Node.
    files: ['src/collect/counter/**/*.js'],
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', location: 'readonly', history: 'readonly', screen: 'readonly', localStorage: 'readonly', crypto: 'readonly', fetch: 'readonly', Blob: 'readonly', URL: 'readonly' },
    },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }] },
  },
  {
    // The dashboard runs in browsers; it has no process.env to read.
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', location: 'readonly', history: 'readonly', localStorage: 'readonly', fetch: 'readonly', addEventListener: 'readonly' } },
  },
  { files: ['src/config/config.ts', 'test/**', 'bench/**', 'scripts/**', 'vitest.config.ts', 'eslint.config.js'], rules: { 'no-restricted-syntax': 'off' } },
);
