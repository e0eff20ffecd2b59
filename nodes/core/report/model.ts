/**
 * The numbers behind every chart of the Segment Report: the node's json output, the input of the
 * SVG charts, and what the tests compare the drawn numbers with. Every list is bounded (rows are
 * folded into an "Other" row beyond the row limit), so the report's size does not grow with the
 * number of customers.
 */

export interface ReportSummary {
	/** Items read, of any kind. */
	items: number;
	/** Items with an `rfm` group (customers scored by RFM Score). */
	customers: number;
	/** Net spend of those customers (rfm.monetary), in `currency`. */
	revenue: number;
	averageRevenue: number | null;
	/** Items with a `cluster` group that has a label. */
	clustered: number;
	/** Items with a `change` group (Segment Changes), gone customers included. */
	changes: number;
	/** Items with a `clv` group (Customer Value). */
	withPredictedValue: number;
	/** Items with a `route` group (Segment Router). */
	routed: number;
	/** Items with a `delivery` group (Campaign Send recipients). */
	deliveries: number;
	/** Campaign Send summary items ({ summary: { campaignKey, sent, ... } }). */
	campaignSummaries: number;
	/** Items with none of the groups the report reads. */
	unrecognized: number;
}

export interface SegmentRow {
	segment: string;
	customers: number;
	share: number;
	revenue: number;
	revenueShare: number;
	averageRevenue: number | null;
	/** Segments folded into this row ("Other"); 0 for a real segment. */
	folded: number;
}

export interface GridCell {
	r: number;
	f: number;
	/** Segment of the cell: from the standard R+F map when every customer agrees with it, else the most common segment of its customers. */
	segment: string | null;
	customers: number;
	revenue: number;
}

export interface ScoreRange {
	score: number;
	customers: number;
	/** Smallest and largest value (days since the last order, or orders) of customers with this score. */
	min: number | null;
	max: number | null;
}

export interface Grid {
	scores: number;
	segmentsFrom: 'standard R+F map' | 'customers';
	maxCustomers: number;
	cells: GridCell[];
	recency: ScoreRange[];
	frequency: ScoreRange[];
}

export type MoveKind = 'up' | 'down' | 'same' | 'unranked' | 'new' | 'gone';

export interface MovementCell {
	from: string | null;
	to: string | null;
	kind: MoveKind;
	customers: number;
}

export interface Movement {
	/** When the snapshot compared with was taken (change.comparedWith, ISO), and its day. */
	comparedWith: string | null;
	previousRun: string | null;
	/** Rows and columns of the matrix, best segment first when the order is known. */
	segments: string[];
	cells: MovementCell[];
	maxCustomers: number;
	totals: { new: number; movedUp: number; movedDown: number; movedUnranked: number; unchanged: number; gone: number };
}

export interface ClusterRow {
	cluster: string;
	index: number | null;
	customers: number;
	share: number;
	meanRecencyDays: number | null;
	meanFrequency: number | null;
	meanMonetary: number | null;
	folded: number;
}

export interface ValueRow {
	segment: string;
	customers: number;
	predictedValue: number;
	averagePredictedValue: number | null;
	averageProbabilityAlive: number | null;
	averageChurnRisk: number | null;
	expectedOrders: number;
	folded: number;
}

export interface PredictedValue {
	groupedBy: string;
	horizonDays: number | null;
	customers: number;
	predictedValue: number;
	maxPredictedValue: number;
	segments: ValueRow[];
	tiers: { tier: string; customers: number; predictedValue: number }[];
}

export const DELIVERY_STATES = ['sent', 'wouldSend', 'routed', 'alreadySent', 'heldOut', 'suppressed', 'capped', 'otherSkipped', 'unconfirmed', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export type CampaignRow = {
	campaign: string;
	provider: string | null;
	/** Where the counts come from: "Campaign Send summary", "Campaign Send recipients", "Segment Router", or several joined by " + ". */
	source: string;
	total: number;
	folded: number;
} & Record<DeliveryState, number>;

export interface Campaigns {
	rows: CampaignRow[];
	totals: Record<DeliveryState, number> & { total: number };
	maxTotal: number;
}

export interface ReportData {
	title: string;
	/** Day the scores refer to (rfm.referenceDate), e.g. "1998-07-01". */
	asOf: string | null;
	currency: string | null;
	summary: ReportSummary;
	segments: SegmentRow[] | null;
	grid: Grid | null;
	movement: Movement | null;
	clusters: ClusterRow[] | null;
	predictedValue: PredictedValue | null;
	campaigns: Campaigns | null;
	notices: string[];
}
