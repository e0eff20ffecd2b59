/**
 * The customer table of large runs: every customer of a run in columns, passed between Fetch
 * Customers, RFM Score, Cluster Customers and Segment Router as ONE binary file (n8n keeps it on
 * disk in its filesystem binary mode), so that n8n never holds a million items. See
 * docs/LARGE_RUNS.md.
 *
 * A column is named by the item field it stands for, dotted for nested fields ("rfm.segment"), and
 * is one of:
 *   number  Float64Array (NaN = null)
 *   date    Float64Array of UTC milliseconds (NaN = null), an ISO string in items
 *   text    one string (or null) per row
 *   label   text with few distinct values, stored as codes into a dictionary
 *   json    any JSON value per row (undefined = field absent)
 *   const   one JSON value for every row
 *
 * File layout (little endian): "MSTABLE1", uint32 length of the JSON header, the header
 * { rows, columns: [{ name, kind, bytes?, dict?, value? }], meta }, then each column's bytes in
 * header order, each starting at a multiple of 8.
 */
import { toIsoDate } from '../dates';

export const TABLE_MIME = 'application/vnd.microsegments.customers+table';
export const TABLE_EXTENSION = 'mstable';
const MAGIC = 'MSTABLE1';

export type ColumnKind = 'number' | 'date' | 'text' | 'label' | 'json' | 'const';

export type Column =
	| { kind: 'number' | 'date'; values: Float64Array }
	| { kind: 'text' | 'label'; values: (string | null)[] }
	| { kind: 'json'; values: unknown[] }
	| { kind: 'const'; value: unknown };

export class TableError extends Error {}

interface HeaderColumn {
	name: string;
	kind: ColumnKind;
	bytes?: number;
	dict?: (string | null)[];
	value?: unknown;
	/** Text columns whose strings are all ASCII (decoded in one piece). */
	ascii?: boolean;
}

/** How row() builds an object: its fields and nested groups in column order. */
interface RowPlan {
	entries: Array<{ key: string; column?: Column; plan?: RowPlan }>;
}

function planOf(columns: Map<string, Column>): RowPlan {
	const root: RowPlan = { entries: [] };
	for (const [name, column] of columns) {
		const parts = name.split('.');
		let plan = root;
		for (let i = 0; i < parts.length - 1; i++) {
			let g = plan.entries.find((x) => x.key === parts[i] && x.plan);
			if (!g) plan.entries.push((g = { key: parts[i], plan: { entries: [] } }));
			plan = g.plan as RowPlan;
		}
		plan.entries.push({ key: parts[parts.length - 1], column });
	}
	return root;
}

/**
 * Row k by the plan; undefined when no field of it is present (a nested group then stays out).
 * `peek`: read lazily decoded columns one value at a time (a sample of a few rows).
 */
function build(plan: RowPlan, k: number, peek = false): Record<string, unknown> | undefined {
	const out: Record<string, unknown> = {};
	let present = false;
	for (const e of plan.entries) {
		const c = e.column;
		let v: unknown;
		if (!c) v = build(e.plan as RowPlan, k, peek);
		else if (peek && RAW in c) v = (c as unknown as { peek(k: number): unknown }).peek(k);
		else if (c.kind === 'const') v = c.value;
		else if (c.kind === 'date') v = Number.isNaN(c.values[k]) ? null : toIsoDate(c.values[k]);
		else if (c.kind === 'number') v = Number.isNaN(c.values[k]) ? null : c.values[k];
		else v = c.values[k];
		if (v === undefined) continue;
		out[e.key] = v;
		present = true;
	}
	return present ? out : undefined;
}

export class CustomerTable {
	readonly columns = new Map<string, Column>();
	private plan: RowPlan | undefined;
	/**
	 * Free-form facts about the run so far (read by the nodes that come next). `distinctIds` names a
	 * column whose values are known to be distinct (customers aggregated from orders): dropped when
	 * that column is replaced or rows are repeated.
	 */
	meta: Record<string, unknown> = {};

	constructor(public rows: number) {}

	set(name: string, column: Column): this {
		const length = column.kind === 'const' || RAW in column ? this.rows : column.values.length;
		if (length !== this.rows) throw new TableError(`Column ${name} has ${length} rows, the table ${this.rows}`);
		this.columns.set(name, column);
		this.plan = undefined;
		if (this.meta.distinctIds === name) delete this.meta.distinctIds;
		return this;
	}

	/** Whether the values of column `name` are known to be distinct (see meta.distinctIds). */
	distinct(name: string): boolean {
		return this.meta.distinctIds === name && this.columns.has(name);
	}

	get(name: string): Column | undefined {
		return this.columns.get(name);
	}

	/** A number or date column as numbers; undefined when absent or not numeric. */
	numbers(name: string): Float64Array | undefined {
		const c = this.columns.get(name);
		return c && (c.kind === 'number' || c.kind === 'date') ? c.values : undefined;
	}

	/** Any column as one value per row (dates as milliseconds). */
	valueAt(name: string, row: number): unknown {
		const c = this.columns.get(name);
		if (!c) return undefined;
		if (c.kind === 'const') return c.value;
		const v = c.values[row];
		return typeof v === 'number' && Number.isNaN(v) ? null : v;
	}

	/**
	 * Row k as an item's JSON: dotted names nested, dates as ISO strings, absent json values left
	 * out. A nested group comes where its first column is (columns of one group are kept together).
	 */
	row(k: number): Record<string, unknown> {
		this.plan ??= planOf(this.columns);
		return build(this.plan, k) ?? {};
	}

	/** Row k like row(), without decoding whole columns that no node has read yet (for samples). */
	peekRow(k: number): Record<string, unknown> {
		this.plan ??= planOf(this.columns);
		return build(this.plan, k, true) ?? {};
	}

	/** A new table with the given rows, in that order (the same columns when that is every row in order). */
	select(rows: ArrayLike<number>): CustomerTable {
		const t = new CustomerTable(rows.length);
		const meta = { ...this.meta };
		if (meta.distinctIds !== undefined && !distinctRows(rows, this.rows)) delete meta.distinctIds;
		let identity = rows.length === this.rows;
		for (let i = 0; i < rows.length && identity; i++) identity = rows[i] === i;
		if (identity) {
			for (const [name, c] of this.columns) t.set(name, c);
			t.meta = meta;
			return t;
		}
		for (const [name, c] of this.columns) {
			if (c.kind === 'const') t.set(name, c);
			else if (c.kind === 'number' || c.kind === 'date') {
				const v = new Float64Array(rows.length);
				for (let i = 0; i < rows.length; i++) v[i] = c.values[rows[i]];
				t.set(name, { kind: c.kind, values: v });
			} else {
				const v = new Array(rows.length);
				for (let i = 0; i < rows.length; i++) v[i] = c.values[rows[i]];
				t.set(name, { kind: c.kind, values: v } as Column);
			}
		}
		t.meta = meta;
		return t;
	}

	/** The names of the columns, in order. */
	get names(): string[] {
		return [...this.columns.keys()];
	}

	encode(): Buffer {
		const header: HeaderColumn[] = [];
		const blocks: Buffer[] = [];
		for (const [name, c] of this.columns) {
			const h: HeaderColumn = { name, kind: c.kind };
			let block: Buffer | undefined;
			switch (c.kind) {
				case 'const':
					h.value = c.value;
					break;
				case 'number':
				case 'date':
					block = Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength);
					break;
				case 'label': {
					const { dict, codes } = dictionary(c.values);
					h.dict = dict;
					block = Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength);
					break;
				}
				case 'json':
				case 'text': {
					// a column read from a file and never looked at is written back as it came
					const raw = (c as { [RAW]?: { block: Buffer; ascii: boolean } })[RAW];
					const enc = raw ?? encodeStrings(c.kind === 'json' ? c.values.map((v) => (v === undefined ? null : JSON.stringify(v))) : c.values);
					block = enc.block;
					if (enc.ascii) h.ascii = true;
				}
			}
			if (block) {
				h.bytes = block.length;
				blocks.push(block);
			}
			header.push(h);
		}
		const head = Buffer.from(JSON.stringify({ rows: this.rows, columns: header, meta: this.meta }), 'utf8');
		const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1'), u32(head.length), head];
		let at = 12 + head.length;
		for (const b of blocks) {
			const pad = (8 - (at % 8)) % 8;
			if (pad) parts.push(Buffer.alloc(pad));
			parts.push(b);
			at += pad + b.length;
		}
		return Buffer.concat(parts);
	}

	static decode(data: Uint8Array): CustomerTable {
		const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
		if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new TableError('This binary file is not a customer table of n8n-nodes-microsegments');
		const headLength = buf.readUInt32LE(8);
		const head = JSON.parse(buf.toString('utf8', 12, 12 + headLength)) as { rows: number; columns: HeaderColumn[]; meta?: Record<string, unknown> };
		const t = new CustomerTable(head.rows);
		let at = 12 + headLength;
		for (const h of head.columns) {
			if (h.kind === 'const') {
				t.set(h.name, { kind: 'const', value: h.value });
				continue;
			}
			at += (8 - (at % 8)) % 8;
			const bytes = h.bytes ?? 0;
			const block = buf.subarray(at, at + bytes);
			at += bytes;
			if (h.kind === 'number' || h.kind === 'date') {
				const values = new Float64Array(head.rows);
				new Uint8Array(values.buffer).set(block);
				t.set(h.name, { kind: h.kind, values });
			} else if (h.kind === 'label') {
				const codes = new Uint32Array(head.rows);
				new Uint8Array(codes.buffer).set(block);
				const dict = h.dict ?? [];
				t.set(h.name, { kind: 'label', values: Array.from(codes, (c) => dict[c]) });
			} else {
				t.set(h.name, lazyStrings(h.kind === 'json' ? 'json' : 'text', Buffer.from(block), head.rows, h.ascii === true));
			}
		}
		t.meta = head.meta ?? {};
		return t;
	}
}

function u32(n: number): Buffer {
	const b = Buffer.alloc(4);
	b.writeUInt32LE(n, 0);
	return b;
}

function dictionary(values: (string | null)[]): { dict: (string | null)[]; codes: Uint32Array } {
	const index = new Map<string | null, number>();
	const dict: (string | null)[] = [];
	const codes = new Uint32Array(values.length);
	for (let i = 0; i < values.length; i++) {
		const v = values[i] ?? null;
		let c = index.get(v);
		if (c === undefined) {
			c = dict.length;
			dict.push(v);
			index.set(v, c);
		}
		codes[i] = c;
	}
	return { dict, codes };
}

/** Where a text or json column read from a file keeps its bytes (to write them back untouched). */
const RAW = Symbol('raw');

/**
 * A text or json column of a file, turned into strings only when a node reads it: a node that
 * passes customer ids and emails on without looking at them does no work per customer for them.
 */
function lazyStrings(kind: 'text' | 'json', block: Buffer, rows: number, ascii: boolean): Column {
	let values: unknown[] | undefined;
	const column = {
		kind,
		[RAW]: { block, ascii },
		/** One row's value without decoding the whole column (samples). */
		peek(k: number): unknown {
			if (values) return values[k];
			const at = (i: number) => block.readInt32LE(i * 4);
			const start = (o: number) => (o < 0 ? -1 - o : o);
			const o = at(k);
			if (o < 0) return kind === 'json' ? undefined : null;
			const base = (rows + 1) * 4;
			const text = block.toString('utf8', base + o, base + start(at(k + 1)));
			return kind === 'json' ? JSON.parse(text) : text;
		},
		get values() {
			if (!values) {
				const strings = decodeStrings(block, rows, ascii);
				values = kind === 'json' ? strings.map((x) => (x === null ? undefined : JSON.parse(x))) : strings;
			}
			return values;
		},
	};
	return column as unknown as Column;
}

/**
 * Strings as [rows + 1 offsets (int32; -1 - offset for null)] then their UTF-8 bytes, made in one
 * piece (and flagged ASCII when every string is, so that reading needs one decode too).
 */
function encodeStrings(values: (string | null)[]): { block: Buffer; ascii: boolean } {
	const n = values.length;
	const offsets = new Int32Array(n + 1);
	const joined = values.join('');
	const bytes = Buffer.from(joined, 'utf8');
	const ascii = bytes.length === joined.length;
	let at = 0;
	for (let i = 0; i < n; i++) {
		const v = values[i];
		if (v === null || v === undefined) {
			offsets[i] = -1 - at;
			continue;
		}
		offsets[i] = at;
		at += ascii ? v.length : Buffer.byteLength(v, 'utf8');
	}
	offsets[n] = at;
	return { block: Buffer.concat([Buffer.from(offsets.buffer), bytes]), ascii };
}

function decodeStrings(block: Buffer, n: number, ascii: boolean): (string | null)[] {
	const offsets = new Int32Array(n + 1);
	new Uint8Array(offsets.buffer).set(block.subarray(0, (n + 1) * 4));
	const base = (n + 1) * 4;
	const out = new Array<string | null>(n);
	const start = (o: number) => (o < 0 ? -1 - o : o);
	const text = ascii ? block.toString('latin1', base) : '';
	for (let i = 0; i < n; i++) {
		const o = offsets[i];
		if (o < 0) {
			out[i] = null;
			continue;
		}
		const end = start(offsets[i + 1]);
		out[i] = ascii ? text.slice(o, end) : block.toString('utf8', base + o, base + end);
	}
	return out;
}

/**
 * A table from item JSON objects (customers that did not come as a table): one column per
 * top-level field, nested objects flattened into dotted columns; numbers stay numbers, strings
 * with few distinct values become labels, anything else json.
 */
/** Whether row indexes (each below `of`) name no row twice. */
function distinctRows(rows: ArrayLike<number>, of: number): boolean {
	const seen = new Uint8Array(of);
	for (let i = 0; i < rows.length; i++) {
		if (seen[rows[i]]) return false;
		seen[rows[i]] = 1;
	}
	return true;
}

export function tableFromRecords(records: readonly Record<string, unknown>[]): CustomerTable {
	const n = records.length;
	const names = new Map<string, true>();
	const flat = records.map((r) => {
		const o: Record<string, unknown> = {};
		flatten(r, '', o);
		for (const k of Object.keys(o)) names.set(k, true);
		return o;
	});
	const t = new CustomerTable(n);
	for (const name of names.keys()) {
		const values = flat.map((o) => o[name]);
		t.set(name, columnOf(values));
	}
	return t;
}

function flatten(value: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
	for (const [k, v] of Object.entries(value)) {
		const name = prefix ? `${prefix}.${k}` : k;
		if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 && !k.includes('.')) flatten(v as Record<string, unknown>, name, out);
		else out[name] = v;
	}
}

/** The column for one value per row: numbers, labels (few distinct strings), texts, else json. */
export function columnOf(values: unknown[]): Column {
	if (values.every((v) => typeof v === 'number' || v === null)) return { kind: 'number', values: Float64Array.from(values, (v) => (v === null ? NaN : (v as number))) };
	if (values.every((v) => typeof v === 'string' || v === null)) {
		const distinct = new Set(values).size;
		return { kind: distinct <= Math.max(16, values.length / 50) ? 'label' : 'text', values: values as (string | null)[] };
	}
	return { kind: 'json', values };
}
