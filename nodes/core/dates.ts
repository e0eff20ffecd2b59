/**
 * Date parsing shared by every node (documented in docs/DATES.md). One rule throughout: a value
 * is a date only when it is unambiguous and exists on the calendar; anything else is reported
 * (`dateProblem` says why), never read as some other date.
 *
 * Format 'auto' (the default) accepts:
 * - ISO 8601 strings ("2024-03-05", "2024-03-05T10:00:00Z", "2024-03-05 10:00:00+02:00");
 *   a date-time without an offset is read as UTC so results never depend on the server's zone.
 * - 8 digits (number or string) as YYYYMMDD (years 1900..2199), and only so: 19970101 is
 *   1997-01-01; 20240230 and 01062024 (day-month-year) are errors, not epoch seconds of 1970.
 * - Other numbers (or digit strings) as epoch seconds, or milliseconds above 10^11, only when the
 *   date falls in 1990..2099: 0 or 99999999999 (year 5138) are errors.
 * - RFC 2822 and other strings with an explicit zone ("Tue, 05 Mar 2024 10:00:00 GMT"); Date objects.
 * An explicit format reads only that layout: 'iso', 'yyyymmdd', 'dmy' (31/01/2024, 31.01.2024,
 * 31-01-2024, 31012024, optional time), 'mdy', 'epochSeconds', 'epochMilliseconds' (any value).
 */
const DAY_MS = 86400000;
export { DAY_MS };

export type DateFormat = 'auto' | 'iso' | 'yyyymmdd' | 'dmy' | 'mdy' | 'epochSeconds' | 'epochMilliseconds';

/** Epoch numbers are dates (in format 'auto') only in [1990-01-01, 2100-01-01). */
export const EPOCH_MIN_MS = 631152000000;
export const EPOCH_MAX_MS = 4102444800000;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function isLeap(y: number): boolean {
	return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Milliseconds of a UTC calendar date, or null when the date does not exist (e.g. Feb 30). */
function ymd(y: number, m: number, d: number): number | null {
	if (m < 1 || m > 12 || d < 1) return null;
	if (d > (m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1])) return null;
	// days from civil (proleptic Gregorian), exact integer arithmetic
	const yy = m <= 2 ? y - 1 : y;
	const era = Math.floor(yy / 400);
	const yoe = yy - era * 400;
	const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
	const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
	return (era * 146097 + doe - 719468) * DAY_MS;
}

const pad = (v: number, n: number) => String(v).padStart(n, '0');

/** Why y-m-d is not a calendar date ("2024-02-30 does not exist (February 2024 has 29 days)"). */
function calendarProblem(y: number, m: number, d: number): string {
	const shown = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
	if (m < 1 || m > 12) return `${shown} does not exist (there is no month ${m})`;
	if (d < 1) return `${shown} does not exist (there is no day 0)`;
	const days = m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1];
	return `${shown} does not exist (${MONTH_NAMES[m - 1]} ${y} has ${days} days)`;
}

/** An 8-digit integer read as YYYYMMDD (years 1900..2199). */
function fromYyyymmdd(n: number): number | null {
	const y = Math.floor(n / 10000);
	return y >= 1900 && y < 2200 ? ymd(y, Math.floor(n / 100) % 100, n % 100) : null;
}

const isEightDigits = (n: number) => Number.isInteger(n) && n >= 10000000 && n <= 99999999;

/** Epoch seconds, or milliseconds above 10^11. */
const epochMs = (n: number) => (n > 1e11 ? n : n * 1000);

function fromNumber(n: number): number | null {
	if (!Number.isFinite(n) || n < 0) return null;
	if (isEightDigits(n)) return fromYyyymmdd(n);
	const t = epochMs(n);
	return t >= EPOCH_MIN_MS && t < EPOCH_MAX_MS ? Math.round(t) : null;
}

const ISO_RE =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DIGITS_RE = /^\d+(\.\d+)?$/;
/** d/m/y or m/d/y with '/', '.' or '-' (or 8 digits), 4-digit year, optional hh:mm[:ss]. */
const DAY_MONTH_RE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$|^(\d{2})(\d{2})(\d{4})$/;

/** UTC milliseconds at the start of each month of 1900..2199 (index (year - 1900) * 12 + month - 1). */
const MONTH_START = new Float64Array(300 * 12);
for (let y = 1900; y < 2200; y++) for (let m = 1; m <= 12; m++) MONTH_START[(y - 1900) * 12 + m - 1] = ymd(y, m, 1) as number;

/** Value of the decimal digit at position i, or a value above 9 when it is not a digit. */
function digit(s: string, i: number): number {
	return (s.charCodeAt(i) - 48) >>> 0;
}

/**
 * Fast path for the canonical shapes "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" and
 * "YYYY-MM-DDTHH:MM:SS.sssZ" (what most APIs and exports emit), years 1900..2199.
 * Returns undefined for any other shape (the general parser decides), null for an impossible date.
 */
function fastIso(s: string): number | null | undefined {
	const n = s.length;
	if ((n !== 10 && n !== 20 && n !== 24) || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
	const y0 = digit(s, 0);
	const y1 = digit(s, 1);
	const y2 = digit(s, 2);
	const y3 = digit(s, 3);
	const m0 = digit(s, 5);
	const m1 = digit(s, 6);
	const d0 = digit(s, 8);
	const d1 = digit(s, 9);
	if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9) return undefined;
	const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
	const m = m0 * 10 + m1;
	const d = d0 * 10 + d1;
	if (y < 1900 || y >= 2200) return undefined;
	if (m < 1 || m > 12 || d < 1 || d > 28) {
		// rare days (29..31) and impossible dates: the exact calendar check
		if (ymd(y, m, d) === null) return null;
	}
	const day = MONTH_START[(y - 1900) * 12 + m - 1] + (d - 1) * DAY_MS;
	if (n === 10) return day;
	if (s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(n - 1) !== 90) return undefined;
	const h0 = digit(s, 11);
	const h1 = digit(s, 12);
	const i0 = digit(s, 14);
	const i1 = digit(s, 15);
	const s0 = digit(s, 17);
	const s1 = digit(s, 18);
	if (h0 > 9 || h1 > 9 || i0 > 9 || i1 > 9 || s0 > 9 || s1 > 9) return undefined;
	let ms = 0;
	if (n === 24) {
		const f0 = digit(s, 20);
		const f1 = digit(s, 21);
		const f2 = digit(s, 22);
		if (s.charCodeAt(19) !== 46 || f0 > 9 || f1 > 9 || f2 > 9) return undefined;
		ms = f0 * 100 + f1 * 10 + f2;
	}
	const h = h0 * 10 + h1;
	const mi = i0 * 10 + i1;
	const sec = s0 * 10 + s1;
	if (h > 23 || mi > 59 || sec > 60) return null;
	return day + h * 3600000 + mi * 60000 + sec * 1000 + ms;
}

/**
 * parseDate(text, 'auto') on the UTF-8 bytes b[s, e) of a file, for its common shapes without
 * making a string: "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM:SS[.sss][Z]" (no zone = UTC), YYYYMMDD and
 * epoch digits. undefined for any other shape: the caller then parses the text.
 */
export function parseDateBytes(b: Uint8Array, s: number, e: number): number | null | undefined {
	const n = e - s;
	if (n >= 10 && b[s + 4] === 45 && b[s + 7] === 45) return isoBytes(b, s, n);
	if (n === 0 || n > 15) return undefined;
	let v = 0;
	for (let i = s; i < e; i++) {
		const d = b[i] - 48;
		if (d < 0 || d > 9) return undefined;
		v = v * 10 + d;
	}
	return n === 8 ? fromYyyymmdd(v) : fromNumber(v);
}

/** Two digits at b[i], or a value above 99 when they are not digits. */
function two(b: Uint8Array, i: number): number {
	const x = b[i] - 48;
	const y = b[i + 1] - 48;
	return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : 1000;
}

function isoBytes(b: Uint8Array, s: number, n: number): number | null | undefined {
	const y = two(b, s) * 100 + two(b, s + 2);
	const m = two(b, s + 5);
	const d = two(b, s + 8);
	if (y < 1900 || y >= 2200 || m > 99 || d > 99) return undefined;
	if (m < 1 || m > 12 || d < 1 || d > 28) {
		if (ymd(y, m, d) === null) return null;
	}
	const day = MONTH_START[(y - 1900) * 12 + m - 1] + (d - 1) * DAY_MS;
	if (n === 10) return day;
	// time: [T ]HH:MM:SS then optional .sss then optional Z
	const sep = b[s + 10];
	if ((sep !== 84 && sep !== 32) || b[s + 13] !== 58 || b[s + 16] !== 58 || n < 19) return undefined;
	let end = n;
	if (b[s + n - 1] === 90) end--;
	let ms = 0;
	if (end === 23) {
		const f = two(b, s + 20);
		const g = b[s + 22] - 48;
		if (b[s + 19] !== 46 || f > 99 || g < 0 || g > 9) return undefined;
		ms = f * 10 + g;
	} else if (end !== 19) return undefined;
	const h = two(b, s + 11);
	const mi = two(b, s + 14);
	const sec = two(b, s + 17);
	if (h > 99 || mi > 99 || sec > 99) return undefined;
	if (h > 23 || mi > 59 || sec > 60) return null;
	return day + h * 3600000 + mi * 60000 + sec * 1000 + ms;
}

/** Time of day in ms, or null when out of range. */
function timeOfDay(h: number, mi: number, sec: number): number | null {
	if (h > 23 || mi > 59 || sec > 60) return null;
	return h * 3600000 + mi * 60000 + sec * 1000;
}

/** General ISO 8601 parser (any year, offsets, fractions); undefined when not ISO-shaped. */
function parseIso(s: string): number | null | undefined {
	const m = ISO_RE.exec(s);
	if (!m) return undefined;
	const day = ymd(Number(m[1]), Number(m[2]), Number(m[3]));
	if (day === null) return null;
	if (m[4] === undefined) return day;
	const tod = timeOfDay(Number(m[4]), Number(m[5]), m[6] ? Number(m[6]) : 0);
	if (tod === null) return null;
	const ms = m[7] ? Math.round(Number('0.' + m[7]) * 1000) : 0;
	let t = day + tod + ms;
	const tz = m[8];
	if (tz && tz.toUpperCase() !== 'Z') {
		const sign = tz[0] === '-' ? -1 : 1;
		const digits = tz.slice(1).replace(':', '');
		const offH = Number(digits.slice(0, 2));
		const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
		t -= sign * (offH * 60 + offM) * 60000;
	}
	return t;
}

/** Day-month-year or month-day-year; undefined when not shaped so. */
function parseDayMonth(s: string, dayFirst: boolean): number | null | undefined {
	const m = DAY_MONTH_RE.exec(s);
	if (!m) return undefined;
	const a = Number(m[1] ?? m[7]);
	const b = Number(m[2] ?? m[8]);
	const y = Number(m[3] ?? m[9]);
	const day = dayFirst ? ymd(y, b, a) : ymd(y, a, b);
	if (day === null) return null;
	if (m[4] === undefined) return day;
	const tod = timeOfDay(Number(m[4]), Number(m[5]), m[6] ? Number(m[6]) : 0);
	return tod === null ? null : day + tod;
}

/** Format 'auto' on a string (see the file comment). */
function parseAutoString(value: string): number | null {
	const s = value.trim();
	if (s === '') return null;
	if (DIGITS_RE.test(s)) return s.length === 8 ? fromYyyymmdd(Number(s)) : fromNumber(Number(s));
	const iso = parseIso(s);
	if (iso !== undefined) return iso;
	// RFC 2822 / other strings with an explicit zone that JS parses unambiguously.
	if (/(GMT|UTC|[+-]\d{4})\b/i.test(s) || /\bZ$/.test(s)) {
		const t = Date.parse(s);
		return Number.isNaN(t) ? null : t;
	}
	return null;
}

/** A number, or a digit string, as a number; undefined otherwise. */
function numeric(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && DIGITS_RE.test(value.trim())) return Number(value.trim());
	return undefined;
}

/** A date in an explicit format (not 'auto'). */
function parseExplicit(value: unknown, format: Exclude<DateFormat, 'auto'>): number | null {
	if (format === 'epochSeconds' || format === 'epochMilliseconds') {
		const n = numeric(value);
		if (n === undefined || n < 0) return null;
		return Math.round(format === 'epochSeconds' ? n * 1000 : n);
	}
	if (format === 'yyyymmdd') {
		const n = numeric(value);
		if (n !== undefined) return isEightDigits(n) ? fromYyyymmdd(n) : null;
		if (typeof value !== 'string') return null;
		const m = /^(\d{4})[/.-](\d{2})[/.-](\d{2})$/.exec(value.trim());
		return m ? ymd(Number(m[1]), Number(m[2]), Number(m[3])) : null;
	}
	if (typeof value !== 'string') return null;
	const s = value.trim();
	const t = format === 'iso' ? parseIso(s) : parseDayMonth(s, format === 'dmy');
	return t === undefined ? null : t;
}

/** UTC milliseconds of a date value, or null when it is not one (see the file comment). */
export function parseDate(value: unknown, format: DateFormat = 'auto'): number | null {
	if (typeof value === 'string' && format === 'auto') {
		const fast = fastIso(value);
		if (fast !== undefined) return fast;
		return parseAutoString(value);
	}
	if (value === null || value === undefined) return null;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
	if (format !== 'auto') return parseExplicit(value, format);
	if (typeof value === 'number') return fromNumber(value);
	return null;
}

const FORMAT_NAMES: Record<Exclude<DateFormat, 'auto'>, string> = {
	iso: 'ISO 8601 (e.g. 2024-01-31 or 2024-01-31T10:30:00Z)',
	yyyymmdd: 'YYYYMMDD (e.g. 20240131)',
	dmy: 'Day-Month-Year (e.g. 31/01/2024)',
	mdy: 'Month-Day-Year (e.g. 01/31/2024)',
	epochSeconds: 'Epoch Seconds (e.g. 1709596800)',
	epochMilliseconds: 'Epoch Milliseconds (e.g. 1709596800000)',
};

/** The calendar problem of a value shaped like a date but not one, or undefined. */
function shapedProblem(value: unknown, format: DateFormat): string | undefined {
	const n = numeric(value);
	const s = typeof value === 'string' ? value.trim() : undefined;
	if ((format === 'auto' || format === 'yyyymmdd') && n !== undefined && (isEightDigits(n) || (s !== undefined && s.length === 8))) {
		const y = Math.floor(n / 10000);
		const m = Math.floor(n / 100) % 100;
		const d = n % 100;
		if (y >= 1900 && y < 2200) return calendarProblem(y, m, d);
		return `8 digits are read as YYYYMMDD (year ${pad(y, 4)}, month ${pad(m, 2)}, day ${pad(d, 2)}); for day-month-year or month-day-year dates set Options > Date Format`;
	}
	if (s === undefined) return undefined;
	const iso = format === 'auto' || format === 'iso' ? ISO_RE.exec(s) : null;
	if (iso) {
		const [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
		if (ymd(y, m, d) === null) return calendarProblem(y, m, d);
		return 'the time of day is out of range';
	}
	const dm = format === 'dmy' || format === 'mdy' ? DAY_MONTH_RE.exec(s) : null;
	if (dm) {
		const a = Number(dm[1] ?? dm[7]);
		const b = Number(dm[2] ?? dm[8]);
		const y = Number(dm[3] ?? dm[9]);
		const [m, d] = format === 'dmy' ? [b, a] : [a, b];
		if (ymd(y, m, d) === null) return calendarProblem(y, m, d);
		return 'the time of day is out of range';
	}
	return undefined;
}

/**
 * Why parseDate(value, format) gave null, as the end of a sentence such as
 * `order date field "date" is "20240230", <problem>`.
 */
export function dateProblem(value: unknown, format: DateFormat = 'auto'): string {
	const shaped = shapedProblem(value, format);
	if (shaped) return `not a calendar date: ${shaped}`;
	if (format === 'auto') {
		const n = numeric(value);
		if (n !== undefined && n >= 0) {
			const t = epochMs(n);
			const unit = n > 1e11 ? 'milliseconds' : 'seconds';
			const at = Math.abs(t) < 8.64e15 ? toIsoDate(Math.round(t)) : 'beyond any calendar';
			return `not a plausible date: read as epoch ${unit} it is ${at}; numbers are read as epoch dates only between 1990 and 2099 (set Options > Date Format to Epoch Seconds or Epoch Milliseconds to accept it)`;
		}
		return 'not a date (ISO 8601, YYYYMMDD or epoch; for other layouts set Options > Date Format)';
	}
	return `not a date in the format ${FORMAT_NAMES[format]}`;
}

const pad2 = (v: number) => (v < 10 ? '0' : '') + v;

/**
 * `new Date(ms).toISOString()` without the Date object (about ten times faster; the RFM Score node
 * writes two dates per customer). Outside years 0..9999 it falls back to Date's own format.
 */
export function toIsoDate(ms: number): string {
	const days = Math.floor(ms / DAY_MS);
	const inDay = ms - days * DAY_MS;
	// civil from days (proleptic Gregorian), exact integer arithmetic
	const z = days + 719468;
	const era = Math.floor(z / 146097);
	const doe = z - era * 146097;
	const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
	const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
	const mp = Math.floor((5 * doy + 2) / 153);
	const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
	const m = mp < 10 ? mp + 3 : mp - 9;
	const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
	if (!(y >= 0 && y <= 9999) || !Number.isInteger(ms)) return new Date(ms).toISOString();
	const h = Math.floor(inDay / 3600000);
	const mi = Math.floor((inDay % 3600000) / 60000);
	const sec = Math.floor((inDay % 60000) / 1000);
	const milli = inDay % 1000;
	const year = y < 1000 ? String(y).padStart(4, '0') : String(y);
	return `${year}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(sec)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
