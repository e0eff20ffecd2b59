/**
 * Runs a node's execute() outside n8n with a faithful-enough IExecuteFunctions: parameters are
 * resolved from the node description's defaults overlaid with the test's values (dotted paths such
 * as 'options.skipInvalid' work), items carry pairedItem, continueOnFail and static data behave as
 * in n8n. Workflow-level behaviour is proven separately in a real n8n (test/e2e).
 */
import {
	NodeOperationError,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type IHttpRequestOptions,
} from 'n8n-workflow';

export interface RunNodeOptions {
	parameters?: IDataObject;
	continueOnFail?: boolean;
	staticData?: IDataObject;
	credentials?: Record<string, IDataObject>;
	/** Implements helpers.httpRequest / httpRequestWithAuthentication for the test. */
	httpRequest?: (options: IHttpRequestOptions, credentialType?: string) => Promise<unknown>;
	/** Extra inputs for multi-input nodes: index -> items. Input 0 is `items`. */
	inputs?: INodeExecutionData[][];
	nodeName?: string;
	logs?: string[];
	/** n8n's storage folder for this node (helpers.getStoragePath); absent: the helper is absent too. */
	storagePath?: string;
	/** More of n8n's helpers (e.g. the file access checks resolvePath / isFilePathBlocked), as the test implements them. */
	helpers?: Record<string, unknown>;
	/** Binary data kept "on disk" (n8n's filesystem mode): id -> bytes, read by getBinaryStream. */
	binaryFiles?: Record<string, Buffer>;
}

function defaultsOf(properties: INodeProperties[]): IDataObject {
	const out: IDataObject = {};
	for (const p of properties) {
		if (p.type === 'notice') continue;
		if (!(p.name in out)) out[p.name] = p.default as IDataObject[keyof IDataObject];
	}
	return out;
}

function getPath(obj: unknown, path: string): unknown {
	let cur: unknown = obj;
	for (const part of path.split('.')) {
		if (cur === null || typeof cur !== 'object') return undefined;
		cur = (cur as Record<string, unknown>)[part];
	}
	return cur;
}

export function toItems(rows: IDataObject[]): INodeExecutionData[] {
	return rows.map((json, i) => ({ json, pairedItem: { item: i } }));
}

export async function runNode(
	nodeType: INodeType,
	items: INodeExecutionData[],
	opts: RunNodeOptions = {},
): Promise<INodeExecutionData[][]> {
	const description = nodeType.description;
	const params: IDataObject = { ...defaultsOf(description.properties), ...(opts.parameters ?? {}) };
	const staticData = opts.staticData ?? {};
	const node: INode = {
		id: 'test-node',
		name: opts.nodeName ?? description.defaults.name ?? description.displayName,
		type: `n8n-nodes-microsegments.${description.name}`,
		typeVersion: Array.isArray(description.version) ? description.version[description.version.length - 1] : description.version,
		position: [0, 0],
		parameters: params as INode['parameters'],
	};
	const logs = opts.logs ?? [];
	const log = (level: string) => (message: string) => logs.push(`${level}: ${message}`);
	const inputs = [items, ...(opts.inputs ?? [])];
	const ctx = {
		getNode: () => node,
		getInputData: (inputIndex = 0) => inputs[inputIndex] ?? [],
		getNodeParameter: (name: string, _itemIndex: number, fallback?: unknown) => {
			const v = name.includes('.') ? getPath(params, name) : params[name];
			if (v === undefined) {
				if (fallback !== undefined) return fallback;
				throw new Error(`Could not get parameter "${name}"`);
			}
			return v;
		},
		continueOnFail: () => opts.continueOnFail ?? false,
		getWorkflowStaticData: (_type: string) => staticData,
		getCredentials: async (type: string) => {
			const c = opts.credentials?.[type];
			if (!c) throw new Error(`No credentials of type "${type}"`);
			return c;
		},
		getExecutionId: () => 'test-execution',
		getWorkflow: () => ({ id: 'test-workflow', name: 'test', active: false }),
		getMode: () => 'manual',
		getTimezone: () => 'UTC',
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		sendMessageToUI: () => undefined,
		helpers: {
			...(opts.storagePath ? { getStoragePath: () => opts.storagePath as string } : {}),
			...(opts.helpers ?? {}),
			returnJsonArray: (data: IDataObject | IDataObject[]) =>
				(Array.isArray(data) ? data : [data]).map((json) => ({ json })),
			constructExecutionMetaData: (
				data: INodeExecutionData[],
				meta: { itemData: { item: number } | { item: number }[] },
			) => data.map((d) => ({ ...d, pairedItem: meta.itemData })),
			httpRequest: async (o: IHttpRequestOptions) => {
				if (!opts.httpRequest) throw new Error('httpRequest not provided by the test');
				return opts.httpRequest(o);
			},
			httpRequestWithAuthentication: async (credentialType: string, o: IHttpRequestOptions) => {
				if (!opts.httpRequest) throw new Error('httpRequest not provided by the test');
				return opts.httpRequest(o, credentialType);
			},
			assertBinaryData: (itemIndex: number, property: string) => {
				const b = inputs[0][itemIndex]?.binary?.[property];
				if (!b) throw new NodeOperationError(node, `No binary data property "${property}"`, { itemIndex });
				return b;
			},
			getBinaryStream: async (id: string, chunkSize = 65536) => {
				const data = opts.binaryFiles?.[id];
				if (!data) throw new Error(`No binary file ${id}`);
				const { Readable } = await import('stream');
				return Readable.from((function* () {
					for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, i + chunkSize);
				})());
			},
			getBinaryMetadata: async (id: string) => {
				const data = opts.binaryFiles?.[id];
				if (!data) throw new Error(`No binary file ${id}`);
				return { fileSize: data.length };
			},
			getBinaryDataBuffer: async (itemIndex: number, property: string) => {
				const b = inputs[0][itemIndex]?.binary?.[property];
				if (!b) throw new NodeOperationError(node, `No binary data property "${property}"`, { itemIndex });
				if (b.id) {
					const data = opts.binaryFiles?.[b.id];
					if (!data) throw new Error(`No binary file ${b.id}`);
					return data;
				}
				return Buffer.from(b.data, 'base64');
			},
			/** In n8n's filesystem mode when the test gives `binaryFiles` (kept there by id), else in memory (base64). */
			prepareBinaryData: async (data: Buffer, fileName?: string, mimeType?: string) => {
				if (opts.binaryFiles) {
					const id = `filesystem-v2:test-${Object.keys(opts.binaryFiles).length + 1}`;
					opts.binaryFiles[id] = data;
					return { id, data: 'filesystem-v2', mimeType: mimeType ?? 'application/octet-stream', fileName, fileSize: `${data.length} B`, bytes: data.length };
				}
				return { data: data.toString('base64'), mimeType: mimeType ?? 'application/octet-stream', fileName, bytes: data.length };
			},
			...(opts.helpers ?? {}),
		},
	};
	const execute = nodeType.execute as unknown as (this: typeof ctx) => Promise<INodeExecutionData[][]>;
	return execute.call(ctx);
}
