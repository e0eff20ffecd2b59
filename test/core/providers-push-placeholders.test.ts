import { escapeHtml, placeholderPaths, renderPlaceholders, renderRecord } from '../../nodes/core/delivery/providers/placeholders';
import { redact as scrub } from '../../nodes/core/net/redact';
import { getPath as readPath } from '../../nodes/core/fields';

const fields = {
	firstName: 'Ann',
	empty: '',
	spaces: '   ',
	zero: 0,
	nan: NaN,
	yes: false,
	rfm: { segment: "Can't Lose Them", r: 1 },
	'dotted.key': 'literal',
	tags: ['vip', 'eu'],
	html: '<script>alert("x")</script> & co',
	nothing: null,
};

describe('placeholders', () => {
	test.each([
		['Hi {{firstName}}', 'Hi Ann'],
		['Hi {{ firstName }}!', 'Hi Ann!'],
		['Hi {{ $json.firstName }}', 'Hi Ann'],
		['={{ $json.firstName }} and {{rfm.segment}}', "Ann and Can't Lose Them"],
		['{{rfm.r}}/{{zero}}/{{yes}}', '1/0/false'],
		['{{dotted.key}}', 'literal'],
		['{{tags}}', '["vip","eu"]'],
		['[{{missing}}] [{{missing.deep.path}}] [{{nothing}}] [{{nan}}]', '[] [] [] []'],
		['Hi {{missing | there}}', 'Hi there'],
		['Hi {{ empty | friend }}, {{spaces|pal}}', 'Hi friend, pal'],
		['{{ firstName | there }}', 'Ann'],
		['no placeholders', 'no placeholders'],
		['{{ }} and {{', ' and {{'],
		['', ''],
	])('%j → %j', (template, expected) => {
		expect(renderPlaceholders(template, fields)).toBe(expected);
	});

	test('HTML escaping applies to values, not to the template', () => {
		expect(renderPlaceholders('<b>{{html}}</b>', fields, { html: true })).toBe('<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</b>');
		expect(renderPlaceholders('<b>{{html}}</b>', fields)).toBe('<b><script>alert("x")</script> & co</b>');
		expect(escapeHtml(`'`)).toBe('&#39;');
	});

	test('anything that is not a plain path goes to the resolver (n8n expressions)', () => {
		const seen: string[] = [];
		const resolve = (e: string) => {
			seen.push(e);
			if (e.includes('boom')) throw new Error('bad expression');
			return e === "$json.a || 'x'" ? 'x' : 42;
		};
		expect(renderPlaceholders("{{ $json.a || 'x' }}-{{ $now.year }}-{{ boom() }}-{{firstName}}", fields, { resolve })).toBe('x-42--Ann');
		expect(seen).toEqual(["$json.a || 'x'", '$now.year', 'boom()']);
		// Without a resolver such placeholders render empty.
		expect(renderPlaceholders('[{{ $now.year }}]', fields)).toBe('[]');
	});

	test('renderRecord stringifies values; placeholderPaths lists the field paths', () => {
		expect(renderRecord({ a: '{{firstName}}', b: 5, c: true, d: '{{rfm.segment}}' }, fields)).toEqual({ a: 'Ann', b: '5', c: 'true', d: "Can't Lose Them" });
		expect(renderRecord(undefined, fields)).toEqual({});
		expect(placeholderPaths('{{firstName}} {{ $json.rfm.segment }} {{x | y}} {{ $now }}')).toEqual(['firstName', 'rfm.segment', 'x']);
	});

	test('readPath: own dotted keys win, arrays and primitives stop the walk', () => {
		expect(readPath(fields, 'dotted.key')).toBe('literal');
		expect(readPath(fields, 'rfm.segment')).toBe("Can't Lose Them");
		expect(readPath(fields, 'firstName.length')).toBeUndefined();
		expect(readPath(null, 'a')).toBeUndefined();
	});

	test('the redactor removes given secrets and any email address, and caps the length', () => {
		expect(scrub('token abc123 refused for bob@example.org', ['abc123'])).toBe('token [redacted] refused for [redacted]');
		expect(scrub('word '.repeat(80), [])).toHaveLength(301);
		expect(scrub(undefined, ['a'])).toBeUndefined();
	});
});
