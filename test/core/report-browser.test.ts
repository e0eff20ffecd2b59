/**
 * The report in a real browser (Debian's headless Chromium, through playwright-core): the HTML page
 * opens with no console error and no request; the PNG is a valid PNG (signature, IHDR, CRC) that
 * Chromium decodes; Chromium's own rendering of the page's overview has the PNG's size and the same
 * content, card by card, under a documented threshold that a real regression exceeds.
 *
 * Comparison: both images (2 device pixels per CSS pixel) are cut into 8×8-pixel blocks; a block
 * "differs" when the mean of one of its colour channels differs by more than 40 (of 255). Text is
 * rasterised a little differently by Skia and resvg (anti-aliasing, hinting), which moves block
 * means by a level or two; a missing, moved or recoloured bar, cell or label moves them by far more.
 * A card passes when at most 0.5 % of its blocks differ and the mean channel difference is under 1.5.
 * Measured (Chromium 156, resvg 2.6.2, CDNOW playbook): every card 0 differing blocks, mean 0.09-0.19;
 * Champions' revenue halved: the segments card 500 of 16,920 blocks (3.0 %), mean 2.8.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IDataObject } from 'n8n-workflow';
import { chromium, type Browser, type Page } from 'playwright-core';
import { aggregateReport, drawReport, type RenderedReport, type ReportData } from '../../nodes/core/report';
import { changedCustomers, clusteredCustomers, rfmCustomers, routedCustomers, valuedCustomers } from './report-items';

// Browser globals used inside page.evaluate (run in Chromium; not part of this Node program's types).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const Image: any;

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];
const SCALE = 2;
const BLOCK = 8;
const BLOCK_DIFF = 40;
const MAX_DIFFERENT = 0.005;
const MAX_MEAN = 1.5;

function crc32(bytes: Uint8Array): number {
	let c = ~0;
	for (const b of bytes) {
		c ^= b;
		for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
	}
	return ~c >>> 0;
}

/** Chunks of a PNG file, each with its CRC checked. */
function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
	expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	const chunks: { type: string; data: Buffer }[] = [];
	for (let at = 8; at < png.length; ) {
		const length = png.readUInt32BE(at);
		const type = png.toString('latin1', at + 4, at + 8);
		const data = png.subarray(at + 8, at + 8 + length);
		expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
		chunks.push({ type, data });
		at += 12 + length;
	}
	return chunks;
}

interface RegionStats {
	id: string;
	blocks: number;
	different: number;
	mean: number;
}

/** Decodes two PNGs in the page (canvas) and compares them region by region (see the header). */
async function compare(page: Page, a: Buffer, b: Buffer, regions: RenderedReport['regions']): Promise<{ sizes: number[][]; stats: RegionStats[] }> {
	return page.evaluate(
		async ({ a, b, regions, scale, block, diffLevel }) => {
			const load = async (b64: string) => {
				const img = new Image();
				img.src = `data:image/png;base64,${b64}`;
				await img.decode();
				const canvas = document.createElement('canvas');
				canvas.width = img.naturalWidth;
				canvas.height = img.naturalHeight;
				const ctx = canvas.getContext('2d')!;
				ctx.drawImage(img, 0, 0);
				return { w: img.naturalWidth, h: img.naturalHeight, px: ctx.getImageData(0, 0, img.naturalWidth, img.naturalHeight).data };
			};
			const [A, B] = [await load(a), await load(b)];
			const mean = (im: typeof A, x0: number, y0: number) => {
				const s = [0, 0, 0];
				for (let y = y0; y < y0 + block; y++) for (let x = x0; x < x0 + block; x++) for (let c = 0; c < 3; c++) s[c] += im.px[(y * im.w + x) * 4 + c];
				return s.map((v) => v / (block * block));
			};
			const stats = regions.map((r) => {
				let blocks = 0;
				let different = 0;
				let sum = 0;
				const x1 = Math.min(A.w, B.w, Math.floor((r.x + r.width) * scale));
				const y1 = Math.min(A.h, B.h, Math.floor((r.y + r.height) * scale));
				for (let y = Math.ceil(r.y * scale); y + block <= y1; y += block)
					for (let x = Math.ceil(r.x * scale); x + block <= x1; x += block) {
						const ma = mean(A, x, y);
						const mb = mean(B, x, y);
						const d = Math.max(...ma.map((v, c) => Math.abs(v - mb[c])));
						blocks++;
						sum += ma.reduce((t, v, c) => t + Math.abs(v - mb[c]), 0) / 3;
						if (d > diffLevel) different++;
					}
				return { id: r.id, blocks, different, mean: sum / Math.max(1, blocks) };
			});
			return { sizes: [[A.w, A.h], [B.w, B.h]], stats };
		},
		{ a: a.toString('base64'), b: b.toString('base64'), regions, scale: SCALE, block: BLOCK, diffLevel: BLOCK_DIFF },
	);
}

const failing = (stats: RegionStats[]) => stats.filter((s) => s.different / s.blocks > MAX_DIFFERENT || s.mean >= MAX_MEAN).map((s) => s.id);

describe('Segment Report in headless Chromium', () => {
	let browser: Browser;
	let data: ReportData;
	let report: RenderedReport;
	let page: Page;
	const consoleErrors: string[] = [];
	const requests: string[] = [];
	let shot: Buffer;
	let dir: string;

	beforeAll(async () => {
		if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
		const rfm = await rfmCustomers();
		const previous = rfm.map((c, i) => (i % 6 === 0 ? { ...c, rfm: { ...(c.rfm as IDataObject), segment: 'Champions' } } : c));
		const changes = await changedCustomers(previous, rfm);
		const routed = await routedCustomers(rfm);
		data = aggregateReport([...await valuedCustomers(await clusteredCustomers(4)), ...changes.map((c) => ({ change: c.change })), ...routed.map((r) => ({ route: r.route }))], { title: 'CDNOW sample' });
		report = await drawReport(data, { imageScale: SCALE });
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-report-'));
		fs.writeFileSync(path.join(dir, 'report.html'), report.html);
		browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: SCALE });
		page = await context.newPage();
		page.on('console', (m) => {
			if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
		});
		page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
		page.on('request', (r) => requests.push(r.url()));
		await page.goto(`file://${path.join(dir, 'report.html')}`, { waitUntil: 'load' });
		await page.evaluate(() => document.fonts.ready.then(() => undefined));
		shot = await page.locator('#overview svg').screenshot({ animations: 'disabled' });
	}, 120000);

	afterAll(async () => {
		await browser?.close();
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	it('opens with no console error, no warning and no request besides the page itself; the bundled font is used', async () => {
		expect(consoleErrors).toEqual([]);
		expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([`file://${path.join(dir, 'report.html')}`]);
		const fonts = await page.evaluate(() => [document.fonts.check("600 15px 'Inter'"), document.fonts.check("12px 'Inter'"), [...document.fonts].filter((f) => f.status === 'loaded').length]);
		expect(fonts).toEqual([true, true, 2]);
		const text = await page.evaluate(() => document.body.innerText);
		expect(text).toContain('Champions');
		expect(text).toContain('119,943');
		const box = await page.locator('#overview svg').boundingBox();
		expect(box).toEqual({ x: expect.any(Number), y: 0, width: 1200, height: report.png!.height / SCALE });
	});

	it('the PNG is a valid PNG: signature, IHDR (size, 8-bit RGBA), IDAT, IEND, every CRC', () => {
		const png = report.png!.data;
		const chunks = pngChunks(png);
		expect(chunks[0].type).toBe('IHDR');
		const ihdr = chunks[0].data;
		expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9], ihdr[12]]).toEqual([1200 * SCALE, report.png!.height, 8, 6, 0]);
		expect(report.png!.height % SCALE).toBe(0);
		expect(chunks.some((c) => c.type === 'IDAT')).toBe(true);
		expect(chunks[chunks.length - 1].type).toBe('IEND');
	});

	it('Chromium decodes the PNG; its screenshot of the page has the same size and the same content card by card', async () => {
		const { sizes, stats } = await compare(page, report.png!.data, shot, report.regions);
		expect(sizes[0]).toEqual(sizes[1]);
		expect(sizes[0]).toEqual([1200 * SCALE, report.png!.height]);
		expect(stats.map((s) => s.id)).toEqual(['header', 'grid', 'segments', 'movement', 'clusters', 'predictedValue', 'campaigns']);
		for (const s of stats) expect(s.blocks).toBeGreaterThan(1000);
		expect(failing(stats)).toEqual([]);
	});

	it('a real regression fails the comparison: a changed number, a missing chart, other colours', async () => {
		// Champions' revenue doubled: the bars of the segments card move.
		const changed = JSON.parse(JSON.stringify(data)) as ReportData;
		changed.segments![0].revenueShare *= 0.5;
		changed.segments![0].revenue *= 0.5;
		const a = await drawReport(changed, { imageScale: SCALE });
		expect(failing((await compare(page, a.png!.data, shot, report.regions)).stats)).toEqual(['segments']);
		// The movement chart left out: the cards after it move up.
		const missing = JSON.parse(JSON.stringify(data)) as ReportData;
		missing.movement = null;
		const b = await drawReport(missing, { imageScale: SCALE });
		expect(failing((await compare(page, b.png!.data, shot, report.regions)).stats)).toEqual(expect.arrayContaining(['movement', 'clusters', 'predictedValue']));
		// The heatmap drawn in another palette.
		const grey = await drawReport(data, { imageScale: SCALE, png: false });
		const recoloured = await (await import('../../nodes/core/report')).renderPng(grey.svg.replace(/#08306b|#2171b5|#6baed6|#c6dbef/gi, '#d55e00'), { scale: SCALE });
		expect(failing((await compare(page, recoloured.data, shot, report.regions)).stats)).toContain('grid');
	});

	it('the same PNG bytes on every render', async () => {
		const again = await drawReport(data, { imageScale: SCALE });
		expect(again.png!.data.equals(report.png!.data)).toBe(true);
	});
});
