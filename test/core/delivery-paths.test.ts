/**
 * One safe dotted-path reader/writer for the whole package (nodes/core/fields.ts): `__proto__`,
 * `constructor` and `prototype` are refused, and only an object's own properties are followed, so
 * a field list such as Template Data Fields `__proto__.x` plus an item with an own `__proto__` key
 * (JSON.parse makes one) can never reach Object.prototype of the n8n process.
 */
import { getPath, setPath, unsafePathPart } from '../../nodes/core/fields';
import { pickTemplateData } from '../../nodes/core/delivery/providers/util';
import { renderPlaceholders } from '../../nodes/core/delivery/providers/placeholders';
import { createSendGridProvider } from '../../nodes/core/delivery/providers/sendgrid';
import { createBrevoProvider } from '../../nodes/core/delivery/providers/brevo';
import { createHubSpotProvider } from '../../nodes/core/delivery/providers/hubspot';
import { createOutboxProvider } from '../../nodes/core/delivery/providers/outbox';
import { runDelivery } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { fetchTransport } from '../../nodes/core/net/http';
import { SendGridMock } from '../mocks/sendgrid';

const hostile = () => JSON.parse('{"customerId":"c1","__proto__":{"polluted":"yes","x":{"y":1}},"rfm":{"segment":"Champions"}}') as Record<string, unknown>;

afterEach(() => {
	// Whatever a test did, the process must stay clean.
	expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	expect(({} as Record<string, unknown>).x).toBeUndefined();
});

describe('safe paths', () => {
	test('the reader refuses __proto__, constructor and prototype, and follows own properties only', () => {
		const item = hostile();
		expect(Object.prototype.hasOwnProperty.call(item, '__proto__')).toBe(true);
		expect(getPath(item, '__proto__')).toBeUndefined();
		expect(getPath(item, '__proto__.polluted')).toBeUndefined();
		expect(getPath({}, 'constructor')).toBeUndefined();
		expect(getPath({}, 'constructor.prototype')).toBeUndefined();
		expect(getPath({ a: { b: 1 } }, 'a.constructor.name')).toBeUndefined();
		expect(getPath({ a: 'text' }, 'a.length')).toBeUndefined();
		expect(getPath({}, 'toString')).toBeUndefined();
		// Ordinary reads are unchanged: nested, arrays, own dotted keys.
		expect(getPath(item, 'rfm.segment')).toBe('Champions');
		expect(getPath({ list: [{ id: 7 }] }, 'list.0.id')).toBe(7);
		expect(getPath({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
		expect(getPath({ a: { b: null } }, 'a.b')).toBeNull();
	});

	test('the writer refuses the reserved names with an error naming the path', () => {
		const out: Record<string, unknown> = {};
		expect(() => setPath(out, '__proto__.polluted', 'yes')).toThrow('"__proto__.polluted"');
		expect(() => setPath(out, 'a.constructor.prototype.x', 1)).toThrow('reserved');
		expect(() => setPath(out, 'prototype', 1)).toThrow('reserved');
		setPath(out, 'rfm.segment', 'Champions');
		setPath(out, 'rfm.cell', '555');
		expect(out).toEqual({ rfm: { segment: 'Champions', cell: '555' } });
		expect(unsafePathPart('a.__proto__')).toBe('__proto__');
		expect(unsafePathPart('a.b')).toBeUndefined();
	});

	test('template data: a listed __proto__ path is refused, an item with its own __proto__ key is copied without it', () => {
		expect(() => pickTemplateData(hostile(), ['__proto__.polluted'])).toThrow('reserved');
		const all = pickTemplateData(hostile(), []);
		expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
		expect(all).toEqual({ customerId: 'c1', rfm: { segment: 'Champions' } });
		expect(() => pickTemplateData(hostile(), ['rfm.segment', 'constructor'])).toThrow('"constructor"');
		expect(pickTemplateData(hostile(), ['rfm.segment', 'toString'])).toEqual({ rfm: { segment: 'Champions' } });
	});

	test('placeholders never read inherited properties', () => {
		expect(renderPlaceholders('[{{constructor.name}}][{{__proto__.polluted}}][{{toString}}][{{rfm.segment}}]', hostile())).toBe('[][][][Champions]');
	});

	test('providers refuse reserved names in their field lists when they are created', () => {
		const sg = { baseUrl: 'http://127.0.0.1:9', templateId: 'd-0123456789abcdef0123456789abcdef', fromEmail: 'shop@example.com' };
		expect(() => createSendGridProvider({ ...sg, templateFields: ['firstName', '__proto__.polluted'] })).toThrow('Template Data Fields');
		expect(() => createSendGridProvider({ ...sg, nameField: 'constructor.name' })).toThrow('reserved');
		expect(() => createBrevoProvider({ baseUrl: 'http://127.0.0.1:9', templateId: 1, paramFields: ['__proto__.x'] })).toThrow('Params Fields');
		expect(() => createHubSpotProvider({ action: 'upsert', properties: [{ property: 'rfm_segment', field: 'prototype.x' }] })).toThrow('reserved');
		expect(() => createOutboxProvider({ directory: 'outbox-never-created', fields: ['__proto__'] })).toThrow('reserved');
	});

	test('a whole send of hostile items through the engine leaves Object.prototype alone', async () => {
		const mock = new SendGridMock('SG.k');
		await mock.start();
		try {
			const provider = createSendGridProvider({ baseUrl: mock.url, apiKey: 'SG.k', templateId: 'd-0123456789abcdef0123456789abcdef', fromEmail: 'shop@example.com' });
			const res = await runDelivery(
				[{ itemIndex: 0, customerId: 'c1', address: 'ann@example.com', fields: hostile() }],
				{ provider, transport: fetchTransport, ledger: new StaticDataLedger({}), campaignKey: 'k', runKey: 'r' },
			);
			expect(res.summary.sent).toBe(1);
			expect(mock.messages[0].templateData).toEqual({ customerId: 'c1', rfm: { segment: 'Champions' } });
		} finally {
			await mock.close();
		}
	});
});
