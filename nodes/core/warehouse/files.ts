/**
 * Orders files for the embedded engine: the list a marketer types (commas or new lines, * and **
 * patterns), each made absolute, with the folder that must be readable (the part before the first
 * pattern character) and the format (from the extension unless given).
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- file paths on the n8n server (the embedded engine reads local files)
import { isAbsolute, resolve, sep, dirname } from 'path';
import { WarehouseSqlError } from './dialects';
import { parseList } from '../list';

export interface OrderFiles {
	paths: string[];
	/** Folders the engine may read: each file's folder, or a pattern's fixed leading folder. */
	directories: string[];
	format: 'csv' | 'parquet';
}

const PATTERN = /[*?[{]/;

/** The leading folder of a path that holds no pattern characters. */
export function fixedDirectory(path: string): string {
	const i = path.search(PATTERN);
	if (i < 0) return dirname(path);
	const head = path.slice(0, i);
	const cut = head.lastIndexOf(sep);
	return cut <= 0 ? sep : head.slice(0, cut);
}

function formatOf(path: string): 'csv' | 'parquet' | undefined {
	const p = path.toLowerCase();
	if (/\.(parquet|pq)$/.test(p)) return 'parquet';
	if (/\.(csv|tsv|txt)(\.(gz|zst))?$/.test(p)) return 'csv';
	return undefined;
}

export function orderFiles(raw: string, format: 'auto' | 'csv' | 'parquet', cwd = process.cwd()): OrderFiles {
	const list = parseList(raw);
	if (!list.length) throw new WarehouseSqlError('No orders file given', 'Type the path of a CSV or Parquet file under "File Paths", e.g. /data/orders.parquet');
	const paths = list.map((p) => {
		if (p.split(/[\\/]/).includes('..')) throw new WarehouseSqlError(`File path "${p}" contains "..": give the folder itself`);
		if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) throw new WarehouseSqlError(`"${p}" is a URL: only files on the n8n server can be read`);
		return isAbsolute(p) ? resolve(p) : resolve(cwd, p);
	});
	let fmt: 'csv' | 'parquet' | undefined = format === 'auto' ? undefined : format;
	if (!fmt) {
		const seen = new Set(paths.map(formatOf));
		if (seen.has(undefined) || seen.size !== 1)
			throw new WarehouseSqlError(
				'Could not tell the file format from the extension',
				'Use .csv or .parquet files (all of one kind), or pick the format under "File Format".',
			);
		fmt = [...seen][0];
	}
	return { paths, directories: [...new Set(paths.map(fixedDirectory))], format: fmt as 'csv' | 'parquet' };
}
