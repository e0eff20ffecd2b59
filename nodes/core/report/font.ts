/**
 * The report's bundled font (Inter, SIL OFL 1.1, see assets/NOTICE) and its advance widths, read
 * from the font file's own tables (cmap, hmtx), so the SVG layout measures text exactly as the PNG
 * renderer and the browser will draw it: labels are cut to fit and value labels never overlap.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- reads the font file bundled with this package (assets/)
import { readFileSync } from 'node:fs';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- path of the bundled font beside this file
import { join } from 'node:path';

export interface FontMetrics {
	unitsPerEm: number;
	/** Advance width in font units of a code point, or undefined when the font has no glyph. */
	advance(codePoint: number): number | undefined;
}

export type Weight = 400 | 600;

export const FONT_FAMILY = 'Inter';
export const FONT_FILES: Record<Weight, string> = { 400: 'Inter-Regular.otf', 600: 'Inter-SemiBold.otf' };

function tables(view: DataView): Map<string, { offset: number; length: number }> {
	const out = new Map<string, { offset: number; length: number }>();
	const count = view.getUint16(4);
	for (let i = 0; i < count; i++) {
		const at = 12 + i * 16;
		const tag = String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
		out.set(tag, { offset: view.getUint32(at + 8), length: view.getUint32(at + 12) });
	}
	return out;
}

/** cmap subtable format 4 (BMP) or 12 (full Unicode) → code point to glyph id. */
function readCmap(view: DataView, cmapOffset: number): Map<number, number> {
	const map = new Map<number, number>();
	const n = view.getUint16(cmapOffset + 2);
	let best = -1;
	let bestFormat = 0;
	for (let i = 0; i < n; i++) {
		const rec = cmapOffset + 4 + i * 8;
		const platform = view.getUint16(rec);
		const encoding = view.getUint16(rec + 2);
		const sub = cmapOffset + view.getUint32(rec + 4);
		const format = view.getUint16(sub);
		const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
		if (unicode && (format === 12 || (format === 4 && bestFormat !== 12))) {
			best = sub;
			bestFormat = format;
		}
	}
	if (best < 0) throw new Error('The report font has no Unicode character map');
	if (bestFormat === 12) {
		const groups = view.getUint32(best + 12);
		for (let g = 0; g < groups; g++) {
			const at = best + 16 + g * 12;
			const start = view.getUint32(at);
			const end = view.getUint32(at + 4);
			const glyph = view.getUint32(at + 8);
			for (let c = start; c <= end; c++) map.set(c, glyph + (c - start));
		}
		return map;
	}
	const segCount = view.getUint16(best + 6) / 2;
	const ends = best + 14;
	const starts = ends + segCount * 2 + 2;
	const deltas = starts + segCount * 2;
	const rangeOffsets = deltas + segCount * 2;
	for (let s = 0; s < segCount; s++) {
		const end = view.getUint16(ends + s * 2);
		const start = view.getUint16(starts + s * 2);
		const delta = view.getInt16(deltas + s * 2);
		const rangeOffset = view.getUint16(rangeOffsets + s * 2);
		for (let c = start; c <= end && c !== 0xffff; c++) {
			let glyph: number;
			if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
			else {
				const at = rangeOffsets + s * 2 + rangeOffset + (c - start) * 2;
				const raw = view.getUint16(at);
				glyph = raw === 0 ? 0 : (raw + delta) & 0xffff;
			}
			if (glyph !== 0) map.set(c, glyph);
		}
	}
	return map;
}

/** Reads unitsPerEm, the character map and the advance widths of an OpenType/TrueType font. */
export function parseFontMetrics(buffer: Uint8Array): FontMetrics {
	const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
	const t = tables(view);
	const head = t.get('head');
	const hhea = t.get('hhea');
	const hmtx = t.get('hmtx');
	const cmap = t.get('cmap');
	if (!head || !hhea || !hmtx || !cmap) throw new Error('The report font lacks a head, hhea, hmtx or cmap table');
	const unitsPerEm = view.getUint16(head.offset + 18);
	const metricsCount = view.getUint16(hhea.offset + 34);
	const glyphs = readCmap(view, cmap.offset);
	const lastAdvance = view.getUint16(hmtx.offset + (metricsCount - 1) * 4);
	return {
		unitsPerEm,
		advance(codePoint: number) {
			const glyph = glyphs.get(codePoint);
			if (glyph === undefined) return undefined;
			return glyph < metricsCount ? view.getUint16(hmtx.offset + glyph * 4) : lastAdvance;
		},
	};
}

/** Folder of the bundled fonts (copied beside the compiled core by scripts/build.js). */
export function assetsDir(): string {
	return join(__dirname, 'assets');
}

const fontCache = new Map<Weight, { bytes: Buffer; metrics: FontMetrics }>();

/** The bundled font file of a weight and its metrics, read once per process. */
export function bundledFont(weight: Weight): { bytes: Buffer; metrics: FontMetrics } {
	let f = fontCache.get(weight);
	if (!f) {
		const bytes = readFileSync(join(assetsDir(), FONT_FILES[weight]));
		f = { bytes, metrics: parseFontMetrics(bytes) };
		fontCache.set(weight, f);
	}
	return f;
}

/**
 * Width in pixels of a text at a font size and weight. Characters the font lacks (other scripts)
 * count as 1 em: the browser draws them with a fallback font about that wide.
 */
export function textWidth(text: string, size: number, weight: Weight = 400): number {
	const { metrics } = bundledFont(weight);
	let units = 0;
	for (const ch of text) units += metrics.advance(ch.codePointAt(0) as number) ?? metrics.unitsPerEm;
	return (units * size) / metrics.unitsPerEm;
}

/** Cuts a text to fit `maxWidth` pixels, ending with "…" when cut. */
export function fitText(text: string, maxWidth: number, size: number, weight: Weight = 400): string {
	if (textWidth(text, size, weight) <= maxWidth) return text;
	const chars = Array.from(text);
	let lo = 0;
	let hi = chars.length;
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (textWidth(chars.slice(0, mid).join('').trimEnd() + '…', size, weight) <= maxWidth) lo = mid;
		else hi = mid - 1;
	}
	return chars.slice(0, lo).join('').trimEnd() + '…';
}
