/**
 * Labels a marketer reads in the parameters panel: plain words in labels and option names, the
 * technical term in the hint (description). Parameter names and option values never change, so
 * saved workflows keep working.
 */
import type { INodeProperties, INodePropertyOptions, INodePropertyCollection, INodeType } from 'n8n-workflow';
import { ClusterCustomers } from '../../nodes/ClusterCustomers/ClusterCustomers.node';
import { CustomerValue } from '../../nodes/CustomerValue/CustomerValue.node';
import { RfmScore } from '../../nodes/RfmScore/RfmScore.node';
import { SegmentRouter } from '../../nodes/SegmentRouter/SegmentRouter.node';

type Item = INodeProperties | INodePropertyOptions | INodePropertyCollection;
/** Every label (displayName) and option name of a node, with its hint, walking nested collections. */
function labels(items: readonly Item[], out: Array<{ label: string; hint: string }> = []) {
	for (const it of items) {
		const label = 'displayName' in it && it.displayName ? it.displayName : (it as INodePropertyOptions).name;
		out.push({ label: String(label), hint: String((it as INodeProperties).description ?? '') });
		const nested = (it as INodeProperties).options ?? (it as INodePropertyCollection).values;
		if (Array.isArray(nested)) labels(nested as Item[], out);
	}
	return out;
}
function option(node: INodeType, param: string, value: string) {
	const p = node.description.properties.find((x) => x.name === param) as INodeProperties;
	return (p.options as INodePropertyOptions[]).find((o) => o.value === value) as INodePropertyOptions;
}
const nodes = [new ClusterCustomers(), new CustomerValue(), new RfmScore(), new SegmentRouter()];

describe('labels for marketers', () => {
	it('Cluster Customers: "Balanced (Recommended)" and "Automatic (Best Fit)", the terms in the hints, values unchanged', () => {
		const node = new ClusterCustomers();
		expect(option(node, 'scaling', 'zscore').name).toBe('Balanced (Recommended)');
		expect(option(node, 'scaling', 'zscore').description).toMatch(/^Z-score/);
		expect(option(node, 'scaling', 'robust').description).toMatch(/^Robust scaling/);
		expect(option(node, 'scaling', 'minmax').description).toMatch(/^Min-max/);
		expect(option(node, 'clusterCount', 'auto').name).toBe('Automatic (Best Fit)');
		expect(option(node, 'clusterCount', 'auto').description).toMatch(/silhouette/);
		const scaling = node.description.properties.find((p) => p.name === 'scaling') as INodeProperties;
		expect((scaling.options as INodePropertyOptions[]).map((o) => o.value)).toEqual(['zscore', 'minmax', 'robust', 'none']);
		expect(scaling.default).toBe('zscore');
	});

	it('RFM Score, Customer Value, Segment Router: plain option names with the term in the hint', () => {
		expect(option(new RfmScore(), 'scoring', 'quantiles')).toMatchObject({ name: 'Equal-Sized Groups (Recommended)', description: expect.stringMatching(/^Quantiles/) });
		expect(option(new CustomerValue(), 'model', 'fit').description).toMatch(/BG\/NBD/);
		const cv = new CustomerValue().description.properties.find((p) => p.name === 'calibrationEnd') as INodeProperties;
		expect(cv).toMatchObject({ displayName: 'Predict From', description: expect.stringMatching(/calibration end/) });
		const holdout = new SegmentRouter().description.properties.find((p) => p.name === 'holdoutPercent') as INodeProperties;
		expect(holdout.displayName).toBe('Default Control Group (%)');
	});

	it.each(nodes.map((n) => [n.description.displayName, n] as const))('%s: no statistics jargon in labels or option names', (_name, node) => {
		const jargon = /silhouette|z-score|log1p|min-max|calibration|horizon|iteration|tolerance|\bfeatures?\b|monetary|quantiles|holdout items/i;
		const bad = labels(node.description.properties).filter((l) => jargon.test(l.label));
		expect(bad.map((b) => b.label)).toEqual([]);
	});
});
