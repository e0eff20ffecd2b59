/**
 * Campaign Send offered to an AI agent. n8n builds a tool variant of every node marked
 * `usableAsTool`; its node type is the node's own with "Tool" appended
 * (`n8n-nodes-microsegments.campaignSendTool`). An agent decides when and with what to call a
 * tool, so the tool variant only plans (a dry run) unless the workflow author turned on
 * "Send for Real" in the node (a fixed value, not an expression the agent could fill).
 */

/** Whether a node type is the AI-agent tool variant n8n built from a node. */
export function isAgentToolVariant(nodeType: string): boolean {
	return typeof nodeType === 'string' && nodeType.endsWith('Tool');
}

export interface DryRunSettings {
	/** The node's type as n8n reports it (`INode.type`). */
	nodeType: string;
	/** The "Dry Run" switch of the ordinary node (not shown on the tool variant). */
	dryRun: unknown;
	/** The "Send for Real" switch of the tool variant (not shown on the ordinary node). */
	sendForReal: unknown;
}

/**
 * Whether this run only plans. The ordinary node sends unless "Dry Run" is on; the tool variant
 * plans unless "Send for Real" is exactly `true` (absent, false, text or an expression's
 * leftover: dry run).
 */
export function isDryRun(s: DryRunSettings): boolean {
	if (isAgentToolVariant(s.nodeType)) return s.sendForReal !== true;
	return s.dryRun === true;
}
