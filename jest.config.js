/**
 * Unit and node tests (`npx jest`; the real-n8n workflow tests have their own config in
 * test/e2e/jest.config.js). globalSetup starts a throwaway PostgreSQL server for the ledger tests
 * (test/setup/), so nothing has to be running or installed beforehand.
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
  modulePathIgnorePatterns: ['<rootDir>/test/e2e/n8n-[^/]*/', '<rootDir>/test/e2e/\\.work/', '<rootDir>/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }],
  },
  globalSetup: '<rootDir>/test/setup/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/setup/jest-global-teardown.js',
  testTimeout: 60000,
};
