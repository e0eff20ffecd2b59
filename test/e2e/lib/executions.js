/**
 * Reads a run back from n8n's own database instead of `n8n execute`'s stdout (which n8n cuts near
 * 9 MB when the process exits before a pipe is drained, and which fails with "RangeError: Invalid
 * string length" when the pretty-printed run exceeds V8's string limit).
 *
 * n8n 1.123 and 2.8 (SQLite, the default `DB_TYPE`) save every execution of `n8n execute` (mode
 * "cli") when it ends, before the command prints anything: a row in `execution_entity` (id,
 * workflowId, mode, status, finished, startedAt, stoppedAt; 2.x adds storedAt = "db" | "fs") and
 * its run data in `execution_data.data`, serialised with `flatted` (JSON that keeps shared and
 * circular references). Saving follows EXECUTIONS_DATA_SAVE_ON_SUCCESS / _ON_ERROR (default
 * "all"; the harness sets them). The SQLite file is read with n8n's own `sqlite3` and `flatted`
 * modules from the installed n8n, loaded with Node's own require (not jest's module registry, so a
 * native module is loaded once per process).
 */
'use strict';

const path = require('path');
const { createRequire } = require('module');

const modulesByInstall = new Map();

/** sqlite3 and flatted of the n8n installed in `installDir`. */
function n8nModules(installDir) {
	if (!modulesByInstall.has(installDir)) {
		const req = createRequire(path.join(installDir, 'node_modules', 'n8n', 'package.json'));
		modulesByInstall.set(installDir, { sqlite3: req('sqlite3'), flatted: req('flatted') });
	}
	return modulesByInstall.get(installDir);
}

function databaseFile(userFolder) {
	return path.join(userFolder, '.n8n', 'database.sqlite');
}

function query(installDir, file, sql, params = []) {
	const { sqlite3 } = n8nModules(installDir);
	return new Promise((resolve, reject) => {
		const db = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (openError) => {
			if (openError) return reject(new Error(`cannot open n8n's database ${file}: ${openError.message}`));
			db.all(sql, params, (error, rows) => {
				db.close(() => (error ? reject(new Error(`${sql}: ${error.message}`)) : resolve(rows)));
			});
		});
	});
}

/** Highest execution id in the user folder's database (0 when none); runs after it are new. */
async function lastExecutionId(installDir, userFolder) {
	const rows = await query(installDir, databaseFile(userFolder), 'SELECT MAX(id) AS id FROM execution_entity');
	return Number(rows[0] && rows[0].id) || 0;
}

/**
 * The newest execution of `workflowId` with an id above `afterId`, as { id, status, finished, mode,
 * startedAt, stoppedAt, storedAt, data } (data: the parsed IRunExecutionData: resultData.runData,
 * resultData.error, lastNodeExecuted...), or null when n8n saved none.
 */
async function readExecution(installDir, userFolder, workflowId, afterId = 0) {
	const file = databaseFile(userFolder);
	const rows = await query(installDir, file, 'SELECT * FROM execution_entity WHERE workflowId = ? AND id > ? ORDER BY id DESC LIMIT 1', [workflowId, afterId]);
	if (!rows.length) return null;
	const row = rows[0];
	if (row.storedAt && row.storedAt !== 'db') throw new Error(`execution ${row.id} is stored in "${row.storedAt}", the harness reads the database only (keep N8N_EXECUTION_DATA_STORAGE_MODE unset)`);
	const dataRows = await query(installDir, file, 'SELECT data FROM execution_data WHERE executionId = ?', [row.id]);
	const text = dataRows.length ? dataRows[0].data : null;
	const data = text ? n8nModules(installDir).flatted.parse(text) : null;
	return {
		id: String(row.id),
		status: row.status,
		finished: row.finished === 1 || row.finished === true,
		mode: row.mode,
		startedAt: row.startedAt,
		stoppedAt: row.stoppedAt,
		storedAt: row.storedAt || 'db',
		dataChars: text ? text.length : 0,
		data,
	};
}

module.exports = { n8nModules, lastExecutionId, readExecution, databaseFile };
