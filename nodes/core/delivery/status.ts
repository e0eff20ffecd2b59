/**
 * Common HTTP statuses of a send request as a BatchResult (the retry primitives themselves are
 * the network layer's, nodes/core/net/retry.ts). Used by the provider modules.
 */
import { errorMessage } from '../net/body';
import type { HttpResponse } from '../net/http';
import { redact } from '../net/redact';
import type { BatchResult } from './types';

/**
 * Generic mapping of a non-2xx response to a BatchResult: 429 and 5xx (and 408) → retry (with the
 * wait the provider asked for, when `afterMs` is given), 401/403 → fatal and stop the run, other
 * 4xx → fatal for this batch (`http_<status>`).
 */
export function resultForStatus(res: HttpResponse, afterMs?: number): BatchResult {
	const detail = redact(errorMessage(res.body));
	if (res.status === 429) return { kind: 'retry', reason: 'rate_limited', afterMs };
	if (res.status >= 500 || res.status === 408) return { kind: 'retry', reason: `http_${res.status}`, afterMs };
	if (res.status === 401) return { kind: 'fatal', reason: 'unauthorized', detail: detail ?? 'The provider refused the credential (401)', stopRun: true };
	if (res.status === 403) return { kind: 'fatal', reason: 'forbidden', detail: detail ?? 'The credential lacks a permission (403)', stopRun: true };
	return { kind: 'fatal', reason: `http_${res.status}`, detail };
}
