/**
 * A real SMTP server for tests (the `smtp-server` package) on 127.0.0.1 that records every
 * accepted message, parsed (envelope, headers, decoded subject, text and HTML parts), with fault
 * injection: per-recipient replies (450 temporary / 550 permanent), a reply to the next DATA,
 * a refused sender, a connection dropped before or after the message was accepted. AUTH PLAIN/LOGIN
 * checked against one user.
 */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface ReceivedMail {
	queueId: string;
	from: string;
	to: string[];
	headers: Record<string, string>;
	subject: string;
	messageId: string;
	text?: string;
	html?: string;
	raw: string;
}

export type SmtpFault =
	| { kind: 'dataReply'; code: number; message?: string }
	| { kind: 'dropBeforeAccept' }
	| { kind: 'dropAfterAccept' };

export interface SmtpMock {
	host: string;
	port: number;
	user: string;
	password: string;
	mails: ReceivedMail[];
	/** Number of connections opened, and the most open at the same time. */
	connections: number;
	maxConcurrent: number;
	/** Replies to RCPT TO for an address: each call consumes one reply (then accepts), `permanent` always applies. */
	rcptReply(address: string, code: number, opts?: { times?: number; permanent?: boolean }): void;
	rejectSender(code: number): void;
	failNext(...faults: SmtpFault[]): void;
	received(address: string): ReceivedMail[];
	close(): Promise<void>;
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
	const err = new Error(message) as Error & { responseCode: number };
	err.responseCode = code;
	return err;
}

function decodeWords(value: string): string {
	return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=(\s+(?==\?))?/g, (_m, _cs, enc: string, text: string) => {
		if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
		const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
		return Buffer.from(bytes, 'latin1').toString('utf8');
	});
}

function decodeQp(text: string): string {
	const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
	return Buffer.from(bytes, 'latin1').toString('utf8');
}

function splitHeaders(block: string): Record<string, string> {
	const headers: Record<string, string> = {};
	const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
	for (const line of unfolded.split(/\r?\n/)) {
		const i = line.indexOf(':');
		if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
	}
	return headers;
}

function parsePart(raw: string, out: { text?: string; html?: string }): Record<string, string> {
	const sep = raw.search(/\r?\n\r?\n/);
	const head = sep < 0 ? raw : raw.slice(0, sep);
	const body = sep < 0 ? '' : raw.slice(sep).replace(/^\r?\n\r?\n/, '');
	const headers = splitHeaders(head);
	const type = (headers['content-type'] ?? 'text/plain').toLowerCase();
	const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
	if (type.startsWith('multipart/') && boundary) {
		const pieces = body.split(`--${boundary}`);
		for (const piece of pieces.slice(1)) {
			if (piece.startsWith('--')) break;
			parsePart(piece.replace(/^\r?\n/, ''), out);
		}
		return headers;
	}
	const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
	let decoded = body;
	if (cte === 'quoted-printable') decoded = decodeQp(body);
	else if (cte === 'base64') decoded = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	decoded = decoded.replace(/\r\n/g, '\n').replace(/\n$/, '');
	if (type.startsWith('text/html')) out.html = decoded;
	else if (type.startsWith('text/plain')) out.text = decoded;
	return headers;
}

export function parseMail(raw: string): Omit<ReceivedMail, 'queueId' | 'from' | 'to' | 'raw'> {
	const out: { text?: string; html?: string } = {};
	const headers = parsePart(raw, out);
	return {
		headers,
		subject: decodeWords(headers.subject ?? ''),
		messageId: headers['message-id'] ?? '',
		...out,
	};
}

export async function startSmtpMock(opts: { user?: string; password?: string; authRequired?: boolean } = {}): Promise<SmtpMock> {
	const user = opts.user ?? 'mailer';
	const password = opts.password ?? 's3cret-smtp-pass';
	const rcptRules = new Map<string, { code: number; times: number; permanent: boolean }>();
	const faults: SmtpFault[] = [];
	let senderReject: number | undefined;
	let open = 0;

	const server = new SMTPServer({
		authOptional: !opts.authRequired,
		disabledCommands: ['STARTTLS'],
		allowInsecureAuth: true,
		logger: false,
		size: 10 * 1024 * 1024,
		onConnect(_session: SMTPServerSession, cb: (err?: Error | null) => void) {
			mock.connections++;
			open++;
			mock.maxConcurrent = Math.max(mock.maxConcurrent, open);
			cb();
		},
		onClose() {
			open = Math.max(0, open - 1);
		},
		onAuth(auth, _session, cb) {
			if (auth.username === user && auth.password === password) return cb(null, { user });
			cb(smtpError(535, '5.7.8 Authentication credentials invalid'));
		},
		onMailFrom(_address, _session, cb) {
			if (senderReject) return cb(smtpError(senderReject, '5.7.1 Sender address rejected: not owned by user'));
			cb();
		},
		onRcptTo(address, _session, cb) {
			const key = address.address.toLowerCase();
			const rule = rcptRules.get(key);
			if (rule && (rule.permanent || rule.times > 0)) {
				if (!rule.permanent) rule.times--;
				const text = rule.code >= 500 ? '5.1.1 <' + address.address + '>: Recipient address rejected: User unknown' : '4.2.1 <' + address.address + '>: Mailbox busy, try again later';
				return cb(smtpError(rule.code, text));
			}
			cb();
		},
		onData(stream, session, cb) {
			const chunks: Buffer[] = [];
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('end', () => {
				const fault = faults.shift();
				const raw = Buffer.concat(chunks).toString('utf8');
				if (fault?.kind === 'dataReply') return cb(smtpError(fault.code, fault.message ?? (fault.code >= 500 ? '5.7.1 Message rejected as spam' : '4.3.0 Temporary system problem')));
				if (fault?.kind === 'dropBeforeAccept') {
					destroySession(session);
					return;
				}
				const queueId = randomBytes(5).toString('hex').toUpperCase();
				const parsed = parseMail(raw);
				mock.mails.push({
					queueId,
					from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
					to: session.envelope.rcptTo.map((r) => r.address),
					raw,
					...parsed,
				});
				if (fault?.kind === 'dropAfterAccept') {
					destroySession(session);
					return;
				}
				cb(null, `2.0.0 Ok: queued as ${queueId}`);
			});
		},
	});

	const connections = new Map<string, { destroy(): void }>();
	server.server.on('connection', (socket) => {
		// smtp-server keeps the session id private; remember sockets by remote port.
		connections.set(String(socket.remotePort), socket);
		socket.on('close', () => connections.delete(String(socket.remotePort)));
	});
	function destroySession(session: SMTPServerSession): void {
		connections.get(String(session.remotePort))?.destroy();
	}

	const mock: SmtpMock = {
		host: '127.0.0.1',
		port: 0,
		user,
		password,
		mails: [],
		connections: 0,
		maxConcurrent: 0,
		rcptReply(address, code, o = {}) {
			rcptRules.set(address.toLowerCase(), { code, times: o.times ?? 1, permanent: o.permanent ?? false });
		},
		rejectSender(code) {
			senderReject = code;
		},
		failNext: (...f) => void faults.push(...f),
		received: (address) => mock.mails.filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase())),
		close: async () => {
			for (const s of connections.values()) s.destroy();
			await new Promise<void>((r) => server.close(() => r()));
		},
	};
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	mock.port = (server.server.address() as AddressInfo).port;
	return mock;
}
