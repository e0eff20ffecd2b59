import type { IDataObject } from 'n8n-workflow';
import type { PostgresConnection } from '../core/delivery/ledgerPostgres';

/** A PostgreSQL credential's fields (ledger or warehouse: same fields) as a connection. */
export function postgresConnection(c: IDataObject): PostgresConnection {
	return {
		connectionUrl: String(c.connectionUrl ?? ''),
		host: String(c.host ?? ''),
		port: Number(c.port) || 5432,
		database: String(c.database ?? ''),
		user: String(c.user ?? ''),
		password: String(c.password ?? ''),
		ssl: (c.ssl as PostgresConnection['ssl']) ?? 'disable',
	};
}
