/**
 * Registry of the Campaign Send provider modules. The node builds its Provider option list, the
 * credentials list and the provider parameters from this array, in this order.
 */
import { brevoModule } from './brevo';
import { fcmModule } from './fcm';
import { hubspotEmailModule, hubspotModule } from './hubspot';
import { klaviyoModule } from './klaviyo';
import { mailchimpModule } from './mailchimp';
import type { ProviderModule } from './module';
import { onesignalModule } from './onesignal';
import { outboxModule } from './outbox';
import { sendgridModule } from './sendgrid';
import { shopifyModule } from './shopify';
import { smtpModule } from './smtp';
import { webpushModule } from './webpush';

export const providerModules: ProviderModule[] = [
	sendgridModule,
	brevoModule,
	smtpModule,
	hubspotEmailModule,
	hubspotModule,
	klaviyoModule,
	shopifyModule,
	mailchimpModule,
	onesignalModule,
	fcmModule,
	webpushModule,
	outboxModule,
];

export function findProviderModule(id: string): ProviderModule | undefined {
	return providerModules.find((m) => m.id === id);
}

export type { ProviderModule, ModuleProvider } from './module';
