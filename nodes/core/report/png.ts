/**
 * SVG → PNG with resvg (Rust, compiled to WebAssembly: @resvg/resvg-wasm, one platform-independent
 * package, no native binary). Only the bundled fonts are given to it (WebAssembly cannot see system
 * fonts), so the same SVG gives the same PNG bytes on every machine. See docs/nodes/SegmentReport.md
 * for why this library and what it weighs.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- reads resvg's WebAssembly file from its package
import { readFileSync } from 'node:fs';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- runtime dependency of this package: the SVG → PNG renderer (WebAssembly, no native binary)
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { FONT_FAMILY, bundledFont } from './font';

let ready: Promise<void> | null = null;

/** Loads and compiles the WebAssembly module (2.4 MB) once per process, on first use. */
function resvgReady(): Promise<void> {
	if (!ready) {
		// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- the same runtime dependency's .wasm file
		ready = initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
		ready.catch(() => (ready = null));
	}
	return ready;
}

export interface PngOptions {
	/** Pixels per SVG unit: 2 gives a sharp image on high-density screens. Default 2. */
	scale?: number;
}

export interface Png {
	data: Buffer;
	width: number;
	height: number;
}

/** Renders an SVG (using the bundled font) to PNG bytes. */
export async function renderPng(svg: string, options: PngOptions = {}): Promise<Png> {
	await resvgReady();
	const scale = Math.min(4, Math.max(0.25, options.scale ?? 2));
	const fonts = [bundledFont(400).bytes, bundledFont(600).bytes];
	const renderer = new Resvg(svg, {
		fitTo: { mode: 'zoom', value: scale },
		font: { fontBuffers: fonts, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
		shapeRendering: 2,
		textRendering: 1,
	});
	try {
		const image = renderer.render();
		try {
			return { data: Buffer.from(image.asPng()), width: image.width, height: image.height };
		} finally {
			image.free();
		}
	} finally {
		renderer.free();
	}
}
