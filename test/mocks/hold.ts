/**
 * Timeouts without a clock. A mock that decides to keep a request unanswered (a "timeout" fault,
 * before or after it recorded the message) calls `relay.hold(req)`; the relay's transport then
 * fails that request at once with the transport contract's timeout error (code ETIMEDOUT), exactly
 * what n8n's request helper reports when its socket timeout fires. The real socket keeps a
 * generous timeout, so a busy machine never turns an ordinary slow answer into a timeout.
 */
import type { IncomingMessage } from 'node:http';
import { TransportError, fetchTransport, type HttpTransport } from '../../nodes/core/net/http';

export const HOLD_HEADER = 'x-mock-request';
/** Socket timeout of the relayed requests: far above any answer time of a local mock. */
export const GENEROUS_TIMEOUT_MS = 120000;

export class HoldRelay {
	private readonly pending = new Map<string, () => void>();
	private next = 0;
	/** Requests failed by a hold, in order. */
	readonly held: string[] = [];

	/** Wraps a transport: every request carries an id header the mocks hand back through hold(). */
	transport(inner: HttpTransport = fetchTransport): HttpTransport {
		return (request) =>
			new Promise((resolve, reject) => {
				const id = `r${++this.next}`;
				this.pending.set(id, () => reject(new TransportError('request timed out', 'ETIMEDOUT')));
				inner({ ...request, headers: { ...(request.headers ?? {}), [HOLD_HEADER]: id }, timeoutMs: GENEROUS_TIMEOUT_MS })
					.then(resolve, reject)
					.finally(() => this.pending.delete(id));
			});
	}

	/** Called by a mock that will not answer this request: the client sees its timeout now. */
	readonly hold = (req: IncomingMessage): void => {
		const id = String(req.headers[HOLD_HEADER] ?? '');
		const fail = this.pending.get(id);
		this.pending.delete(id);
		this.held.push(id);
		fail?.();
	};
}
