/**
 * Workflow tests in a real n8n (see test/e2e/harness.js and docs/REAL_N8N.md).
 * Run with `node test/e2e/run.js` (every version in N8N_VERSIONS, then the editor check) or
 * directly: `N8N_VERSION=2.8.4 npx jest -c test/e2e/jest.config.js [file]`.
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '..', '..'),
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.js'],
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/n8n-[^/]*/', '/test/e2e/\\.work/'],
  modulePathIgnorePatterns: ['<rootDir>/test/e2e/n8n-[^/]*/', '<rootDir>/test/e2e/\\.work/', '<rootDir>/dist/'],
  watchPathIgnorePatterns: ['<rootDir>/test/e2e/n8n-[^/]*/', '<rootDir>/test/e2e/\\.work/'],
  haste: { retainAllFiles: false },
  testEnvironment: 'node',
  // PostgreSQL (MICRO_TEST_PG_URL) and Debian's Chromium (CHROMIUM_PATH), brought by the test command.
  globalSetup: '<rootDir>/test/setup/jest-global-setup-e2e.js',
  globalTeardown: '<rootDir>/test/setup/jest-global-teardown.js',
  // Installing n8n takes minutes the first time; one workflow run takes 10-30 s.
  testTimeout: 30 * 60 * 1000,
  maxWorkers: 1,
  // A test that fails half-way may leave a server it started (n8n, Redis, a mock) holding the event
  // loop; the run must still end (the harness kills every process it started when jest exits).
  forceExit: true,
  verbose: true,
};
