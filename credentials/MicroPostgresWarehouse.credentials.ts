import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Connection to the PostgreSQL database that holds the orders Warehouse RFM scores. Only reads
 * the orders table (and creates temporary tables, which live in the session): a read-only role
 * with the TEMPORARY privilege is enough. Tested by the Warehouse RFM node (connects, SELECT 1).
 */
export class MicroPostgresWarehouse implements ICredentialType {
	name = 'microPostgresWarehouse';

	displayName = 'Microsegments PostgreSQL Warehouse';

	icon: Icon = 'file:../nodes/WarehouseRfm/warehouseRfm.svg';

	documentationUrl = 'https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING';

	properties: INodeProperties[] = [
		{
			displayName: 'Connection URL',
			name: 'connectionUrl',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'postgres://reader:password@db.example.com:5432/shop',
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
			description: 'A role that may read the orders table and create temporary tables (GRANT SELECT, TEMPORARY)',
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
