import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * SMTP server and default sender for Campaign Send's SMTP provider. Tested by the node (log in and
 * out, nothing sent).
 */
export class MicroSmtp implements ICredentialType {
	name = 'microSmtp';

	displayName = 'Microsegments SMTP';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://nodemailer.com/smtp/';

	properties: INodeProperties[] = [
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. smtp.yourprovider.com',
			description: 'SMTP server of your email provider',
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 587,
			description: '587 (STARTTLS, most providers), 465 (TLS from the start: turn on SSL/TLS) or 25',
		},
		{
			displayName: 'SSL/TLS',
			name: 'secure',
			type: 'boolean',
			default: false,
			description: 'Whether to use TLS from the first byte (port 465). Leave off for port 587: STARTTLS is used when the server offers it.',
		},
		{
			displayName: 'Require STARTTLS',
			name: 'requireTls',
			type: 'boolean',
			default: false,
			description: 'Whether to refuse to send when the server does not offer STARTTLS',
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			description: 'Login name; leave empty for servers without authentication',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'From',
			name: 'from',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. Your Shop <news@yourshop.com>',
			description: 'Sender of the campaigns: an address your SMTP server may send from',
		},
		{
			displayName: 'Allow Self-Signed Certificates',
			name: 'allowSelfSigned',
			type: 'boolean',
			default: false,
			description: 'Whether to accept a server certificate that cannot be verified (only for your own test servers)',
		},
	];
}
