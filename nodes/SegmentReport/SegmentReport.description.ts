import type { INodeProperties } from 'n8n-workflow';

export const segmentReportProperties: INodeProperties[] = [
	{
		displayName:
			'Connect the customers of RFM Score, Cluster Customers, Segment Changes, Customer Value, Segment Router or Campaign Send (several at once through a Merge node). The report draws every chart it has data for.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: 'Segment Report',
		description: 'Shown at the top of the page and the image, e.g. "Weekly segments: EU shop"',
	},
	{
		displayName: 'Segment Field',
		name: 'segmentField',
		type: 'string',
		default: 'rfm.segment',
		placeholder: 'rfm.segment',
		description:
			'Field holding each customer\'s segment, for the segment and predicted-value charts and the grid\'s segment borders. Dotted paths read nested fields (after Cluster Customers within groups: cluster.key).',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: 'segment-report',
				description: 'Name of the files without extension: segment-report.html and segment-report.png',
			},
			{
				displayName: 'Image Field',
				name: 'imageField',
				type: 'string',
				default: 'image',
				description: 'Binary field that gets the PNG image (for an email body, Slack or Teams)',
			},
			{
				displayName: 'Image Size',
				name: 'imageScale',
				type: 'options',
				options: [
					{ name: 'Sharp (2,400 Px Wide)', value: 2, description: 'Crisp on high-density screens and when zoomed' },
					{ name: 'Standard (1,200 Px Wide)', value: 1, description: 'About a third of the file size' },
				],
				default: 2,
				description: 'Width of the PNG image; the page is always 1,200 px wide',
			},
			{
				displayName: 'Include Image',
				name: 'includeImage',
				type: 'boolean',
				default: true,
				description: 'Whether to render the PNG image as well as the HTML page (off: a little faster, HTML only)',
			},
			{
				displayName: 'Report Field',
				name: 'reportField',
				type: 'string',
				default: 'report',
				description: 'Binary field that gets the HTML page',
			},
			{
				displayName: 'Rows per Chart',
				name: 'maxRows',
				type: 'number',
				typeOptions: { minValue: 3, maxValue: 50 },
				default: 12,
				description: 'Beyond this many segments, clusters or campaigns the smallest are drawn together as "Other"',
			},
		],
	},
];
