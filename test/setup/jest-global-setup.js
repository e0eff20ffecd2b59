/**
 * jest globalSetup (jest.config.js and test/e2e/jest.config.js): brings up what the tests need,
 * so `npx jest` and `npm test` pass on a fresh machine with nothing installed beside the clone:
 * - a throwaway PostgreSQL server for the ledger tests (test/setup/system.js), its URL exported as
 *   MICRO_TEST_PG_URL to every test worker; stopped and removed by jest-global-teardown.js (or when
 *   the process exits). A MICRO_TEST_PG_URL already set (your own server) is used instead.
 * - with `{ chromium: true }` (the workflow tests): Debian's Chromium, path in CHROMIUM_PATH.
 */
'use strict';

const { startPostgres, ensureChromium } = require('./system');

function setup({ chromium = false } = {}) {
	return async function globalSetup() {
		if (!process.env.MICRO_TEST_PG_URL) {
			const pg = await startPostgres();
			process.env.MICRO_TEST_PG_URL = pg.url;
			globalThis.__MICRO_TEST_PG__ = pg;
			process.once('exit', () => pg.stop());
			// Ctrl-C or a kill: stop the server too (then end as the signal would have).
			for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
				process.once(sig, () => {
					pg.stop();
					process.kill(process.pid, sig);
				});
		}
		if (chromium) process.env.CHROMIUM_PATH = ensureChromium();
	};
}

module.exports = setup();
module.exports.setup = setup;
