import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Connection to the PostgreSQL database that holds Campaign Send's shared idempotency ledger
 * (one table, created on first use). Tested by the Campaign Send node (connects and runs SELECT 1).
 */
export class MicroPostgresLedger implements ICredentialType {
	name = 'microPostgresLedger';

	displayName = 'Microsegments PostgreSQL Ledger';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING';

	properties: INodeProperties[] = [
		{
			displayName: 'Connection URL',
			name: 'connectionUrl',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'postgres://user:password@db.example.com:5432/marketing',
			description: 'Full connection URL. When set, the fields below except SSL are ignored.',
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 5432,
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'postgres',
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: 'postgres',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Disable', value: 'disable' },
				{ name: 'Require (Do Not Verify Certificate)', value: 'require' },
				{ name: 'Verify Certificate', value: 'verify' },
			],
			default: 'disable',
			description: 'Use TLS to reach the database (managed databases usually need Require or Verify)',
		},
	];
}
