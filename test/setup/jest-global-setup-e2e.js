/** jest globalSetup of the workflow tests (test/e2e/jest.config.js): PostgreSQL and Chromium. */
'use strict';

module.exports = require('./jest-global-setup').setup({ chromium: true });
