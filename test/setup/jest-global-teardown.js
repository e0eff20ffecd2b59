/** jest globalTeardown: stops the PostgreSQL server jest-global-setup.js started (if it did). */
'use strict';

module.exports = async function globalTeardown() {
	const pg = globalThis.__MICRO_TEST_PG__;
	if (!pg) return;
	globalThis.__MICRO_TEST_PG__ = undefined;
	pg.stop();
};
