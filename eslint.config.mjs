import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', 'jupyter_privacy/labextension/', '.venv/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['labextension/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: 'error',
      curly: 'error',
      quotes: ['error', 'single', { avoidEscape: true }]
    }
  }
);
