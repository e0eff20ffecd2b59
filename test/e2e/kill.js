/**
 * kill -9 of the n8n that a test started, for crash tests. The n8n of `runWorkflow({ userFolder })`
 * is found by its environment (N8N_USER_FOLDER=<that folder>: the harness gives every n8n it
 * starts its user folder), and its whole process group (n8n and its task runners) gets SIGKILL.
 * Only processes of this user folder are touched, never this process's own group. Linux (/proc).
 *
 *   const { killN8nOf } = require('./kill');
 *   killN8nOf(userFolder);   // → pids killed
 *
 * Usable from a mock's child process (the mock kills n8n at the exact moment it recorded a
 * message: an explicit event, no timing).
 */
'use strict';

const fs = require('fs');
const path = require('path');

/** Pids of the processes whose environment has N8N_USER_FOLDER=<userFolder>. */
function n8nPidsOf(userFolder) {
	const wanted = `N8N_USER_FOLDER=${path.resolve(userFolder)}`;
	const pids = [];
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
		let env;
		try {
			env = fs.readFileSync(`/proc/${name}/environ`, 'utf8');
		} catch {
			continue; // gone, or not ours
		}
		if (env.split('\0').includes(wanted)) pids.push(Number(name));
	}
	return pids;
}

/** Process group of a pid (field 5 of /proc/<pid>/stat), or undefined. */
function groupOf(pid) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return Number(fields[2]);
	} catch {
		return undefined;
	}
}

/** SIGKILLs the n8n processes of a user folder (their process groups). Returns the pids found. */
function killN8nOf(userFolder) {
	const pids = n8nPidsOf(userFolder);
	const own = groupOf(process.pid);
	const groups = new Set(pids.map(groupOf).filter((g) => g && g !== own && g > 1));
	for (const g of groups) {
		try {
			process.kill(-g, 'SIGKILL');
		} catch {
			/* already gone */
		}
	}
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			/* already gone */
		}
	}
	return pids;
}

module.exports = { killN8nOf, n8nPidsOf };
