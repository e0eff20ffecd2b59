/**
 * A small GraphQL reader for the Shopify mock: parses one operation (variables, aliases,
 * arguments, nested selections) so the mock can answer exactly the fields asked for, reject
 * unknown fields like Shopify does, and compute Shopify's query cost from the selection.
 * Not a general GraphQL implementation (inline fragments only; no named fragments, directives or
 * multiple operations).
 */
export type GqlValue = string | number | boolean | null | GqlValue[] | { [k: string]: GqlValue } | { $var: string };

export interface GqlField {
	alias: string;
	/** '...' for an inline fragment (`... on Type { }`), with `typeCondition`. */
	name: string;
	args: Record<string, GqlValue>;
	selections: GqlField[] | null;
	typeCondition?: string;
}

export interface GqlOperation {
	kind: 'query' | 'mutation';
	name: string | null;
	variables: Record<string, { type: string; defaultValue?: GqlValue }>;
	selections: GqlField[];
}

type Tok = { t: 'p' | 'name' | 'num' | 'str'; v: string };

function tokenize(src: string): Tok[] {
	const out: Tok[] = [];
	let i = 0;
	while (i < src.length) {
		const ch = src[i];
		if (/[\s,]/.test(ch)) {
			i++;
			continue;
		}
		if (ch === '#') {
			while (i < src.length && src[i] !== '\n') i++;
			continue;
		}
		if (src.startsWith('...', i)) {
			out.push({ t: 'p', v: '...' });
			i += 3;
			continue;
		}
		if ('{}():$![]=@'.includes(ch)) {
			out.push({ t: 'p', v: ch });
			i++;
			continue;
		}
		if (ch === '"') {
			let j = i + 1;
			let s = '';
			while (j < src.length && src[j] !== '"') {
				if (src[j] === '\\') {
					const n = src[j + 1];
					s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
					j += 2;
				} else s += src[j++];
			}
			if (j >= src.length) throw new Error('unterminated string');
			out.push({ t: 'str', v: s });
			i = j + 1;
			continue;
		}
		const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
		if (num) {
			out.push({ t: 'num', v: num[0] });
			i += num[0].length;
			continue;
		}
		const name = /^[_A-Za-z][_0-9A-Za-z]*/.exec(src.slice(i));
		if (name) {
			out.push({ t: 'name', v: name[0] });
			i += name[0].length;
			continue;
		}
		throw new Error(`Unexpected character "${ch}"`);
	}
	return out;
}

export function parseOperation(src: string): GqlOperation {
	const toks = tokenize(src);
	let k = 0;
	const peek = () => toks[k];
	const expect = (v: string) => {
		const t = toks[k++];
		if (!t || t.v !== v) throw new Error(`Expected "${v}" but found "${t ? t.v : 'end of query'}"`);
	};
	const name = () => {
		const t = toks[k++];
		if (!t || t.t !== 'name') throw new Error(`Expected a name but found "${t ? t.v : 'end of query'}"`);
		return t.v;
	};
	const value = (): GqlValue => {
		const t = toks[k++];
		if (!t) throw new Error('Expected a value');
		if (t.t === 'p' && t.v === '$') return { $var: name() };
		if (t.t === 'num') return Number(t.v);
		if (t.t === 'str') return t.v;
		if (t.t === 'name') return t.v === 'true' ? true : t.v === 'false' ? false : t.v === 'null' ? null : t.v;
		if (t.v === '[') {
			const arr: GqlValue[] = [];
			while (peek() && peek().v !== ']') arr.push(value());
			expect(']');
			return arr;
		}
		if (t.v === '{') {
			const o: Record<string, GqlValue> = {};
			while (peek() && peek().v !== '}') {
				const key = name();
				expect(':');
				o[key] = value();
			}
			expect('}');
			return o;
		}
		throw new Error(`Unexpected "${t.v}"`);
	};
	const type = (): string => {
		if (peek()?.v === '[') {
			k++;
			const inner = type();
			expect(']');
			let s = `[${inner}]`;
			if (peek()?.v === '!') {
				k++;
				s += '!';
			}
			return s;
		}
		let s = name();
		if (peek()?.v === '!') {
			k++;
			s += '!';
		}
		return s;
	};
	const selectionSet = (): GqlField[] => {
		expect('{');
		const fields: GqlField[] = [];
		while (peek() && peek().v !== '}') {
			if (peek().v === '...') {
				k++;
				const on = name();
				if (on !== 'on') throw new Error('named fragments are not supported by this mock');
				const typeCondition = name();
				fields.push({ alias: '', name: '...', args: {}, selections: selectionSet(), typeCondition });
				continue;
			}
			let alias = name();
			let fname = alias;
			if (peek()?.v === ':') {
				k++;
				fname = name();
			}
			const args: Record<string, GqlValue> = {};
			if (peek()?.v === '(') {
				k++;
				while (peek() && peek().v !== ')') {
					const a = name();
					expect(':');
					args[a] = value();
				}
				expect(')');
			}
			const selections = peek()?.v === '{' ? selectionSet() : null;
			fields.push({ alias, name: fname, args, selections });
			alias = '';
		}
		expect('}');
		return fields;
	};
	let kind: 'query' | 'mutation' = 'query';
	let opName: string | null = null;
	const variables: GqlOperation['variables'] = {};
	if (peek()?.t === 'name' && (peek().v === 'query' || peek().v === 'mutation')) {
		kind = toks[k++].v as 'query' | 'mutation';
		if (peek()?.t === 'name') opName = name();
		if (peek()?.v === '(') {
			k++;
			while (peek() && peek().v !== ')') {
				expect('$');
				const v = name();
				expect(':');
				const t = type();
				let defaultValue: GqlValue | undefined;
				if (peek()?.v === '=') {
					k++;
					defaultValue = value();
				}
				variables[v] = { type: t, defaultValue };
			}
			expect(')');
		}
	}
	const selections = selectionSet();
	if (k < toks.length) throw new Error(`Unexpected "${toks[k].v}" after the operation`);
	return { kind, name: opName, variables, selections };
}

/** Resolves an argument value against the request variables. */
export function argValue(v: GqlValue | undefined, variables: Record<string, unknown>): unknown {
	if (v === undefined) return undefined;
	if (v && typeof v === 'object' && !Array.isArray(v) && '$var' in v) return variables[(v as { $var: string }).$var];
	if (Array.isArray(v)) return v.map((x) => argValue(x, variables));
	return v;
}
