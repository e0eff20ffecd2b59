import type { INodePropertyOptions } from 'n8n-workflow';

/**
 * The "Date Format" option of the nodes that read dates (RFM Score, Fetch Customers' CSV source);
 * the rules are in nodes/core/dates.ts and docs/DATES.md.
 */
export const DATE_FORMAT_OPTIONS: INodePropertyOptions[] = [
	{
		name: 'Automatic',
		value: 'auto',
		description: 'ISO 8601, YYYYMMDD (8 digits), epoch seconds or milliseconds of 1990–2099. Anything else, including impossible dates, is an error.',
	},
	{ name: 'Day-Month-Year', value: 'dmy', description: '31/01/2024, 31.01.2024, 31-01-2024 or 31012024, optionally with a time (UTC)' },
	{ name: 'Epoch Milliseconds', value: 'epochMilliseconds', description: 'Milliseconds since 1970-01-01 UTC, any value' },
	{ name: 'Epoch Seconds', value: 'epochSeconds', description: 'Seconds since 1970-01-01 UTC, any value' },
	{ name: 'ISO 8601', value: 'iso', description: '2024-01-31, 2024-01-31T10:30:00Z, 2024-01-31 10:30:00+02:00 (no offset = UTC)' },
	{ name: 'Month-Day-Year', value: 'mdy', description: '01/31/2024, 01-31-2024 or 01312024, optionally with a time (UTC)' },
	{ name: 'YYYYMMDD', value: 'yyyymmdd', description: '20240131 (number or text), or 2024-01-31' },
];

export const DATE_FORMAT_DESCRIPTION = 'How date values are read. Automatic never guesses between layouts: 01/06/2024 or 01062024 stop the node until you pick Day-Month-Year or Month-Day-Year.';
