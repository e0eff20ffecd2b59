/** One entry point for the API sources (CSV is read from a buffer, see csv.ts). */
import { fetchHubSpot, type HubSpotConfig } from './hubspot';
import { fetchShopify, type ShopifyConfig } from './shopify';
import { fetchStripe, type StripeConfig } from './stripe';
import type { FetchOptions, FetchResult } from './types';
import { fetchWooCommerce, type WooConfig } from './woocommerce';

export type ApiSource = 'shopify' | 'wooCommerce' | 'hubSpot' | 'stripe';

export type SourceConfig =
	| { source: 'shopify'; config: ShopifyConfig }
	| { source: 'wooCommerce'; config: WooConfig }
	| { source: 'hubSpot'; config: HubSpotConfig }
	| { source: 'stripe'; config: StripeConfig };

export function fetchFromSource(s: SourceConfig, opts: FetchOptions): Promise<FetchResult> {
	switch (s.source) {
		case 'shopify':
			return fetchShopify(s.config, opts);
		case 'wooCommerce':
			return fetchWooCommerce(s.config, opts);
		case 'hubSpot':
			return fetchHubSpot(s.config, opts);
		case 'stripe':
			return fetchStripe(s.config, opts);
	}
}

export const SERVICE_NAMES: Record<ApiSource, string> = {
	shopify: 'Shopify',
	wooCommerce: 'WooCommerce',
	hubSpot: 'HubSpot',
	stripe: 'Stripe',
};

export const CREDENTIAL_TYPES: Record<ApiSource, string> = {
	shopify: 'microShopifyApi',
	wooCommerce: 'microWooCommerceApi',
	hubSpot: 'microHubSpotApi',
	stripe: 'microStripeApi',
};
