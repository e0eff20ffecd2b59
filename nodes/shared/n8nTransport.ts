import type { IExecuteFunctions, IHttpRequestOptions, IDataObject } from 'n8n-workflow';
import { TransportError, parseBody, type HttpTransport } from '../core/net/http';

/**
 * Builds the core's HttpTransport on n8n's own request helpers, so credentials are applied by
 * n8n (their `authenticate` block) and proxies/SSL settings of the instance are honoured.
 * With `credentialType` the request goes through `httpRequestWithAuthentication`; without it
 * through `httpRequest` (for requests that carry their own auth, e.g. an OAuth token exchange).
 */
export function n8nTransport(ctx: IExecuteFunctions, credentialType?: string): HttpTransport {
	return async (request) => {
		const options: IHttpRequestOptions = {
			method: request.method,
			url: request.url,
			headers: request.headers,
			qs: request.query as IDataObject | undefined,
			body: request.body as IDataObject | string | undefined,
			json: typeof request.body !== 'string',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: request.timeoutMs ?? 30000,
		};
		let response: { statusCode: number; headers: Record<string, unknown>; body: unknown };
		try {
			response = credentialType
				? await ctx.helpers.httpRequestWithAuthentication.call(ctx, credentialType, options)
				: await ctx.helpers.httpRequest(options);
		} catch (error) {
			const err = error as Error & { code?: string; cause?: { code?: string } };
			const code = err.code ?? err.cause?.code ?? 'ECONNRESET';
			// Never include the request (it may carry secrets or recipients) in the message. The
			// engine needs the transport contract's TransportError (its code decides retry vs unknown
			// outcome); nodes turn what is left into NodeApiError/NodeOperationError.
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error
			throw new TransportError(`request failed: ${code}`, code);
		}
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(response.headers ?? {}))
			headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
		const body =
			typeof response.body === 'string'
				? parseBody(response.body, headers['content-type'])
				: (response.body ?? '');
		return { status: response.statusCode, headers, body };
	};
}
