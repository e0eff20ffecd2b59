/**
 * Text encodings of CSV files, turned into UTF-8 bytes chunk by chunk (the CSV tokenizer works on
 * UTF-8 bytes). Encoding 'auto':
 * - a byte order mark decides: UTF-8 (EF BB BF), UTF-16 LE (FF FE), UTF-16 BE (FE FF); the mark
 *   is dropped;
 * - without a mark, NUL bytes on every other position of the first bytes mean UTF-16 (LE when the
 *   NULs are on odd positions: "a\0b\0"), other NUL bytes mean the file is not text;
 * - otherwise UTF-8, checked as it streams; when a byte sequence is not UTF-8 and everything before
 *   was plain ASCII, the file is Windows-1252 (what Excel on Windows saves as "CSV"); when earlier
 *   lines already held UTF-8 characters, the file mixes encodings: an error, never a silent "�".
 * An explicit encoding reads only that one (invalid UTF-8 is then an error too).
 */
import { SourceError } from './errors';

export type CsvEncoding = 'auto' | 'utf8' | 'utf16le' | 'utf16be' | 'windows1252';
export type DetectedEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

const SNIFF_BYTES = 4096;

/** Index of the first byte >= 0x80 in b, or b.length (four bytes at a time where aligned). */
function firstNonAscii(b: Uint8Array): number {
	const n = b.length;
	let i = 0;
	while (i < n && (b.byteOffset + i) % 4 !== 0) {
		if (b[i] >= 0x80) return i;
		i++;
	}
	const words = new Uint32Array(b.buffer, b.byteOffset + i, (n - i) >> 2);
	for (let w = 0; w < words.length; w++)
		if ((words[w] & 0x80808080) !== 0) {
			i += w * 4;
			while (b[i] < 0x80) i++;
			return i;
		}
	i += words.length * 4;
	while (i < n && b[i] < 0x80) i++;
	return i;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether b is valid UTF-8 (ASCII checked in JS, the rest by the strict decoder). */
function isUtf8(b: Uint8Array, from: number): boolean {
	if (from >= b.length) return true;
	try {
		strictUtf8.decode(b.subarray(from));
		return true;
	} catch {
		return false;
	}
}

/** The bytes of `chunk` that end a complete UTF-8 sequence (0..3 trailing bytes of an unfinished one are left out). */
function completeUtf8Length(chunk: Uint8Array): number {
	const n = chunk.length;
	for (let back = 1; back <= Math.min(3, n); back++) {
		const b = chunk[n - back];
		if (b < 0x80) return n; // ASCII: everything before is complete
		if (b >= 0xc0) {
			const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
			return need > back ? n - back : n;
		}
	}
	return n;
}

/** Byte offset of the first invalid UTF-8 sequence in a chunk that isUtf8 refused. */
function firstInvalidUtf8(chunk: Uint8Array): number {
	const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
	const bad = text.indexOf('\uFFFD');
	return bad < 0 ? 0 : Buffer.byteLength(text.slice(0, bad), 'utf8');
}

function countLines(chunk: Uint8Array, end: number): number {
	const b = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(end, chunk.byteLength));
	let lines = 0;
	for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
	return lines;
}

export class Utf8Normalizer {
	/** The encoding in use once the first bytes were seen. */
	detected: DetectedEncoding | undefined;
	private decoder: InstanceType<typeof TextDecoder> | undefined;
	private pending: Uint8Array = new Uint8Array(0);
	private started = false;
	private sawNonAscii = false;
	private bytesIn = 0;
	private linesIn = 0;

	constructor(private readonly encoding: CsvEncoding = 'auto') {}

	/** UTF-8 bytes for the next chunk of input (may hold back the last bytes of a cut sequence). */
	push(chunk: Uint8Array): Buffer {
		let data = chunk;
		if (!this.started) {
			if (this.pending.length + chunk.length < SNIFF_BYTES) {
				this.pending = concat(this.pending, chunk);
				return Buffer.alloc(0);
			}
			data = concat(this.pending, chunk);
			this.pending = new Uint8Array(0);
			data = this.start(data);
		}
		return this.convert(data, false);
	}

	/** The rest, at the end of the input. */
	end(): Buffer {
		if (!this.started) {
			const data = this.start(this.pending);
			this.pending = new Uint8Array(0);
			return this.convert(data, true);
		}
		return this.convert(new Uint8Array(0), true);
	}

	/** Decides the encoding from the first bytes; returns them without the byte order mark. */
	private start(head: Uint8Array): Uint8Array {
		this.started = true;
		const bom3 = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
		const le = head.length >= 2 && head[0] === 0xff && head[1] === 0xfe;
		const be = head.length >= 2 && head[0] === 0xfe && head[1] === 0xff;
		const fixed: Record<Exclude<CsvEncoding, 'auto'>, DetectedEncoding> = { utf8: 'utf-8', utf16le: 'utf-16le', utf16be: 'utf-16be', windows1252: 'windows-1252' };
		if (this.encoding !== 'auto') this.detected = fixed[this.encoding];
		else if (bom3) this.detected = 'utf-8';
		else if (le) this.detected = 'utf-16le';
		else if (be) this.detected = 'utf-16be';
		else this.detected = sniffNul(head) ?? 'utf-8';
		if (this.detected === 'utf-16le' || this.detected === 'utf-16be') this.decoder = new TextDecoder(this.detected, { fatal: true });
		if ((bom3 && this.detected === 'utf-8') || (le && this.detected === 'utf-16le') || (be && this.detected === 'utf-16be'))
			return head.subarray(bom3 ? 3 : 2);
		return head;
	}

	private convert(data: Uint8Array, final: boolean): Buffer {
		if (this.detected === 'windows-1252') return Buffer.from(decodeWindows1252(data), 'utf8');
		if (this.decoder) {
			try {
				return Buffer.from(this.decoder.decode(data, { stream: !final }), 'utf8');
			} catch {
				throw new SourceError('config', `The file is not valid ${this.detected === 'utf-16be' ? 'UTF-16 BE' : 'UTF-16 LE'} text. Pick the encoding under Options > Encoding, or re-save the file as UTF-8.`);
			}
		}
		const all = this.pending.length ? concat(this.pending, data) : data;
		const usable = final ? all.length : completeUtf8Length(all);
		const part = all.subarray(0, usable);
		this.pending = all.slice(usable);
		const ascii = firstNonAscii(part);
		if (!isUtf8(part, ascii)) return this.notUtf8(part);
		if (ascii < part.length) this.sawNonAscii = true;
		this.bytesIn += part.length;
		this.linesIn += countLines(part, part.length);
		return Buffer.from(part.buffer, part.byteOffset, part.byteLength);
	}

	/** Invalid UTF-8: Windows-1252 when nothing before was outside ASCII (auto), else an error. */
	private notUtf8(part: Uint8Array): Buffer {
		const at = firstInvalidUtf8(part);
		const sawNonAscii = this.sawNonAscii || firstNonAscii(part.subarray(0, at)) < at;
		if (this.encoding === 'auto' && !sawNonAscii) {
			this.detected = 'windows-1252';
			const rest = concat(part, this.pending);
			this.pending = new Uint8Array(0);
			return Buffer.from(decodeWindows1252(rest), 'utf8');
		}
		const offset = this.bytesIn + at;
		const line = this.linesIn + countLines(part, at) + 1;
		const why = sawNonAscii ? ', though earlier lines use UTF-8 characters: it mixes encodings' : '';
		throw new SourceError(
			'config',
			`The file is not valid UTF-8 at byte offset ${offset} (line ${line})${why}. Re-save it as UTF-8, or pick the encoding under Options > Encoding.`,
		);
	}
}

/** UTF-16 from the pattern of NUL bytes in the first bytes; throws when NULs follow no pattern. */
function sniffNul(head: Uint8Array): DetectedEncoding | undefined {
	const n = Math.min(head.length, SNIFF_BYTES) & ~1;
	let evenNul = 0;
	let oddNul = 0;
	for (let i = 0; i < n; i += 2) {
		if (head[i] === 0) evenNul++;
		if (head[i + 1] === 0) oddNul++;
	}
	if (evenNul + oddNul === 0) return undefined;
	const pairs = n / 2;
	if (oddNul >= pairs * 0.3 && evenNul === 0) return 'utf-16le';
	if (evenNul >= pairs * 0.3 && oddNul === 0) return 'utf-16be';
	throw new SourceError('config', 'The file is not text (it holds NUL bytes in no UTF-16 pattern): is it a spreadsheet (.xlsx) or a compressed file? Export it as CSV first.');
}

/** Windows-1252's characters for bytes 0x80..0x9F (undefined bytes keep their Latin-1 code point). */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Windows-1252 bytes as text (Node's TextDecoder reads this label as Latin-1, which differs in 0x80..0x9F). */
export function decodeWindows1252(bytes: Uint8Array): string {
	const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
	return latin1.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	if (a.length === 0) return b;
	if (b.length === 0) return a;
	const out = new Uint8Array(a.length + b.length);
	out.set(a, 0);
	out.set(b, a.length);
	return out;
}
