// Lint with the rule sets that @n8n/node-cli's `n8n-node lint` applies (the community-nodes
// plugin, n8n-nodes-base's nodes/credentials/community rules, typescript-eslint, import-x).
// @n8n/node-cli itself is not installed: on Node 20 its AI SDK dependency needs Node 24
// (isolated-vm@7). Exceptions to the rules are listed and justified in README.md ("Lint").
import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import { globalIgnores } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const recommended = n8nCommunityNodesPlugin.configs.recommended;

export default tseslint.config(
  globalIgnores(['dist', 'node_modules', 'test', 'bench', 'scripts', 'examples', '**/*.js', '**/*.mjs']),
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended, recommended, importX.configs['flat/recommended']],
    rules: {
      'prefer-spread': 'off',
      'no-console': 'error',
    },
  },
  {
    plugins: { 'n8n-nodes-base': n8nNodesBase },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
  },
  {
    files: ['package.json'],
    extends: [recommended],
    rules: {
      ...n8nNodesBase.configs.community.rules,
      // README "Lint": SMTP, the PostgreSQL ledger and Web Push need runtime libraries.
      '@n8n/community-nodes/no-runtime-dependencies': 'off',
      // README "Lint": pins a lint tool's transitive dependency for our own dev install (npm ci);
      // it has no effect on the package's users.
      '@n8n/community-nodes/no-overrides-field': 'off',
    },
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { extraFileExtensions: ['.json'] },
    },
  },
  {
    files: ['credentials/**/*.ts'],
    rules: {
      ...n8nNodesBase.configs.credentials.rules,
      'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
      'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
    },
  },
  {
    files: ['nodes/**/*.ts'],
    rules: {
      ...n8nNodesBase.configs.nodes.rules,
      'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
      'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
      'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
    },
  },
  {
    // The segmentation core has no n8n import by design (tested and benchmarked without n8n):
    // it raises its own error classes, which the node adapters turn into NodeOperationError /
    // NodeApiError with itemIndex, and its HTTP/retry code needs timers. See README "Lint".
    files: ['nodes/core/**/*.ts'],
    rules: {
      '@n8n/community-nodes/require-node-api-error': 'off',
      '@n8n/community-nodes/no-restricted-globals': 'off',
    },
  },
  {
    // README "Lint": the k-means worker pool needs Node's worker_threads and os (parallel k-means
    // on the cores scikit-learn also uses; deterministic whatever the thread count). This file only.
    files: ['nodes/core/kmeans/pool.ts'],
    rules: {
      '@n8n/community-nodes/no-restricted-imports': 'off',
    },
  },
);
