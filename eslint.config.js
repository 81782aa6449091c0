'use strict';
// ESLint flat config: the recommended JavaScript rules and typescript-eslint's
// recommended rules (syntax only, no type information: quick enough to run
// inside `npm test`). `npm run lint` checks src/, test/, scripts/ and
// bench/; test/package/lint.test.ts runs the same check in `npm test`.
// A rule is switched off for one line only, and the comment says why:
//   // eslint-disable-next-line RULE -- why this line is the exception
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');

/** Every eslint-disable comment gives its reason after `--`. */
const disableSaysWhy = {
  meta: {
    type: 'suggestion',
    docs: { description: 'an eslint-disable comment gives its reason after --' },
    schema: [],
    messages: { missing: 'Say why this rule is switched off here: `eslint-disable... RULE -- reason`.' },
  },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          const text = comment.value.trim();
          if (/^eslint-disable(-next-line|-line)?(\s|$)/.test(text) && !/\s--\s*\S/.test(text)) {
            context.report({ loc: comment.loc, messageId: 'missing' });
          }
        }
      },
    };
  },
};

module.exports = tseslint.config(
  { ignores: ['dist/', '.test-dist/', 'build/', 'node_modules/', 'prebuilds/', 'coverage/'] },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { ephemdir: { rules: { 'disable-says-why': disableSaysWhy } } },
    rules: { 'ephemdir/disable-says-why': 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Escaping and refusing control characters is part of the job here
      // (names are bytes, messages are escaped): those regular expressions
      // match control characters on purpose.
      'no-control-regex': 'off',
      // Bodies written once for sync and async (core/steps.ts) are
      // generators; one with no I/O step on its path is still a body.
      'require-yield': 'off',
    },
  },
  {
    // CommonJS scripts and fixtures: require() is their only import.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      // `const crypto = require('node:crypto')` may shadow the web global.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed parameters and variables are deliberately unused; a
      // caught error need not be read.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
