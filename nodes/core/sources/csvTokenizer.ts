/**
 * RFC 4180 tokenizer over UTF-8 bytes, fed chunk by chunk: it hands each row to a callback as
 * byte ranges into its buffer (no string per field unless the reader asks for one), and keeps
 * only the unfinished last row between chunks, so memory stays at one chunk plus one row.
 * - Quoted fields may hold delimiters, doubled quotes ("") and line breaks; a quote opens a field
 *   only at its start (after spaces), elsewhere it is a character.
 * - A quote never closed is an error naming its line and how many lines it would swallow; a quoted
 *   field still open after 1 MiB stops the read right there.
 * - Text after a closing quote ("abc"def) is an error, not silently dropped.
 * - CRLF, LF and CR line ends; rows whose fields are all blank are skipped.
 */
import { SourceError } from './errors';

const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
export const MAX_QUOTED_BYTES = 1 << 20;

export interface CsvRow {
	buf: Buffer;
	/** Number of fields. */
	count: number;
	/** Field k is buf[start[k], end[k]) (inside the quotes for a quoted field). */
	start: Int32Array;
	end: Int32Array;
	/** 0 plain, 1 quoted with doubled quotes inside, 2 quoted. */
	flags: Uint8Array;
	/** Line of the file where the row starts (1-based). */
	line: number;
}

/** Field k as text: quotes undone, spaces (and tabs, outside tab-separated files) trimmed. */
export function fieldText(row: CsvRow, k: number): string {
	if (k >= row.count) return '';
	let s = row.start[k];
	let e = row.end[k];
	const b = row.buf;
	const flag = row.flags[k];
	if (flag === 0) {
		while (s < e && (b[s] === SPACE || b[s] === TAB)) s++;
		while (e > s && (b[e - 1] === SPACE || b[e - 1] === TAB)) e--;
	}
	const text = b.toString('utf8', s, e);
	return flag === 1 ? text.replace(/""/g, '"').trim() : flag === 2 ? text.trim() : text;
}

function lfCount(b: Uint8Array, from: number, to: number): number {
	let k = 0;
	for (let i = from; i < to; i++) if (b[i] === LF) k++;
	return k;
}

function unterminated(line: number, field: number, b: Uint8Array, quoteAt: number): SourceError {
	const lines = lfCount(b, quoteAt, b.length) + (b.length > 0 && b[b.length - 1] !== LF ? 1 : 0);
	return new SourceError(
		'config',
		`Line ${line}: the quote that opens field ${field} is never closed, so the ${lines} lines from there to the end of the file would be read as one field. Close the quote (a quote inside a field is written twice: "") or remove it.`,
	);
}

export class CsvTokenizer {
	/** Largest number of bytes held at once (the chunk being read plus the unfinished row). */
	maxBuffered = 0;
	private carry: Buffer | null = null;
	private joined: Buffer = Buffer.alloc(0);
	private line = 1;
	private readonly row: CsvRow;

	constructor(
		private readonly delimiter: number,
		private readonly onRow: (row: CsvRow) => void,
	) {
		this.row = { buf: Buffer.alloc(0), count: 0, start: new Int32Array(64), end: new Int32Array(64), flags: new Uint8Array(64), line: 1 };
	}

	push(chunk: Buffer): void {
		const b = this.carry ? this.join(this.carry, chunk) : chunk;
		if (b.length > this.maxBuffered) this.maxBuffered = b.length;
		this.carry = null;
		this.scan(b, false);
	}

	/**
	 * The unfinished row followed by the next chunk, in one buffer that is reused from chunk to
	 * chunk (a fresh megabyte per chunk costs page faults and garbage collection). The unfinished
	 * row may lie in that very buffer: it is moved to the front first.
	 */
	private join(carry: Buffer, chunk: Buffer): Buffer {
		const n = carry.length + chunk.length;
		let buf = this.joined;
		if (buf.length < n) {
			// never from Node's shared pool (allocUnsafe): the test below must only match this buffer
			const next = Buffer.alloc(Math.max(n, 2 * buf.length));
			carry.copy(next, 0);
			buf = next;
			this.joined = next;
		} else {
			const from = carry.byteOffset - buf.byteOffset;
			if (carry.buffer === buf.buffer && from >= 0 && from + carry.length <= buf.length) buf.copyWithin(0, from, from + carry.length);
			else carry.copy(buf, 0);
		}
		chunk.copy(buf, carry.length);
		return buf.subarray(0, n);
	}

	end(): void {
		const b = this.carry;
		this.carry = null;
		if (b && b.length) this.scan(b, true);
	}

	private grow(): void {
		const r = this.row;
		const n = r.start.length * 2;
		const start = new Int32Array(n);
		const end = new Int32Array(n);
		const flags = new Uint8Array(n);
		start.set(r.start);
		end.set(r.end);
		flags.set(r.flags);
		r.start = start;
		r.end = end;
		r.flags = flags;
	}

	/** Reads the rows of b; an unfinished last row is kept for the next chunk (unless final). */
	private scan(b: Buffer, final: boolean): void {
		const n = b.length;
		const d = this.delimiter;
		const row = this.row;
		row.buf = b;
		let i = 0;
		while (i < n) {
			const rowStart = i;
			let lines = 0; // line breaks inside quoted fields of this row so far
			let nf = 0;
			for (;;) {
				if (nf === row.start.length) this.grow();
				let j = i;
				while (j < n && b[j] === SPACE) j++;
				if (j < n && b[j] === QUOTE) {
					let k = j + 1;
					let flag = 2;
					let close = -1;
					for (;;) {
						const q = b.indexOf(QUOTE, k);
						if (q < 0 || (q + 1 >= n && !final)) break;
						if (b[q + 1] === QUOTE) {
							flag = 1;
							k = q + 2;
							continue;
						}
						close = q;
						break;
					}
					if (close < 0) {
						if (final) throw unterminated(this.line + lines, nf + 1, b, j);
						if (n - j > MAX_QUOTED_BYTES)
							throw new SourceError(
								'config',
								`Line ${this.line + lines}: the quote that opens field ${nf + 1} is still open after 1 MiB (${lfCount(b, j, n)} lines): an unterminated quote would swallow the rest of the file. Close the quote (a quote inside a field is written twice: "") or remove it.`,
							);
						this.carry = b.subarray(rowStart);
						return;
					}
					row.start[nf] = j + 1;
					row.end[nf] = close;
					row.flags[nf] = flag;
					lines += lfCount(b, j + 1, close);
					i = close + 1;
					while (i < n && b[i] === SPACE) i++;
					if (i < n && b[i] !== d && b[i] !== LF && b[i] !== CR)
						throw new SourceError(
							'config',
							`Line ${this.line + lines}: field ${nf + 1} has text after its closing quote. A quote inside a quoted field is written twice (""); a field that is not quoted cannot start with a quote.`,
						);
				} else {
					let k = i;
					while (k < n) {
						const c = b[k];
						if (c === d || c === LF || c === CR) break;
						k++;
					}
					row.start[nf] = i;
					row.end[nf] = k;
					row.flags[nf] = 0;
					i = k;
				}
				nf++;
				if (i >= n) {
					if (!final) {
						this.carry = b.subarray(rowStart);
						return;
					}
					this.emit(nf, lines);
					return;
				}
				const c = b[i];
				if (c === d) {
					i++;
					if (i >= n && final) {
						if (nf === row.start.length) this.grow();
						row.start[nf] = i;
						row.end[nf] = i;
						row.flags[nf] = 0;
						this.emit(nf + 1, lines);
						return;
					}
					continue;
				}
				if (c === CR) {
					if (i + 1 >= n && !final) {
						this.carry = b.subarray(rowStart);
						return;
					}
					i += b[i + 1] === LF ? 2 : 1;
				} else i++;
				this.emit(nf, lines);
				break;
			}
		}
	}

	private emit(count: number, lines: number): void {
		const row = this.row;
		row.count = count;
		row.line = this.line;
		this.line += 1 + lines;
		if (count === 1 || row.start[0] === row.end[0]) {
			// skip rows whose fields are all blank
			const b = row.buf;
			let blank = true;
			for (let k = 0; k < count && blank; k++)
				for (let p = row.start[k]; p < row.end[k]; p++)
					if (b[p] !== SPACE && b[p] !== TAB) {
						blank = false;
						break;
					}
			if (blank) return;
		}
		this.onRow(row);
	}
}

/** All rows of a text as arrays of field strings (small inputs: headers, tests). */
export function tokenize(text: string | Buffer, delimiter: string): string[][] {
	const out: string[][] = [];
	const t = new CsvTokenizer(delimiter.charCodeAt(0), (row) => {
		const fields = new Array<string>(row.count);
		for (let k = 0; k < row.count; k++) fields[k] = rawField(row, k);
		out.push(fields);
	});
	t.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
	t.end();
	return out;
}

/** Field k with quotes undone but nothing trimmed. */
export function rawField(row: CsvRow, k: number): string {
	const text = row.buf.toString('utf8', row.start[k], row.end[k]);
	return row.flags[k] === 1 ? text.replace(/""/g, '"') : text;
}
