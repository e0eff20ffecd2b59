import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * VAPID keys of the site whose visitors subscribed to web push (the public key is the
 * applicationServerKey used in pushManager.subscribe). There is no remote service to ask, so the
 * Campaign Send node tests this credential locally (key sizes, the key pair matches, subject).
 */
export class MicroWebPushVapidApi implements ICredentialType {
	name = 'microWebPushVapidApi';

	displayName = 'Microsegments Web Push VAPID API';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://www.npmjs.com/package/web-push#generatevapidkeys';

	properties: INodeProperties[] = [
		{
			displayName: 'Public Key',
			name: 'publicKey',
			type: 'string',
			default: '',
			required: true,
			description: 'VAPID public key, URL-safe base64 (87 characters), the same one your site passes to pushManager.subscribe()',
		},
		{
			displayName: 'Private Key',
			name: 'privateKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'VAPID private key, URL-safe base64 (43 characters). Generate a pair with "npx web-push generate-vapid-keys".',
		},
		{
			displayName: 'Subject',
			name: 'subject',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'mailto:push@yourshop.com',
			description: 'How push services can reach you: a mailto: address or an https: URL of your shop',
		},
	];
}
