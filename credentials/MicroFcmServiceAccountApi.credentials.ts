import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	INodeProperties,
	Icon,
} from 'n8n-workflow';
import { parseServiceAccount, tokenRequest } from '../nodes/core/delivery/providers/fcm';

/**
 * Firebase service account key (the JSON file from Firebase console > Project settings > Service
 * accounts > Generate new private key) for FCM HTTP v1. Campaign Send signs its own JWT and caches
 * the access token; the token fields below serve n8n's credential test, which checks the key
 * against Google and validates (does not send) a message with `validate_only`.
 */
export class MicroFcmServiceAccountApi implements ICredentialType {
	name = 'microFcmServiceAccountApi';

	displayName = 'Microsegments Firebase Cloud Messaging Service Account API';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://firebase.google.com/docs/cloud-messaging/auth-server';

	properties: INodeProperties[] = [
		{
			displayName: 'Service Account JSON',
			name: 'serviceAccountJson',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Paste the whole JSON key file (project_id, client_email, private_key, token_uri). Firebase console > Project settings > Service accounts > Generate new private key.',
		},
		{
			displayName: 'FCM Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://fcm.googleapis.com',
			description: 'Change only to point at a proxy or a local test server. The token URL comes from the key (token_uri).',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject): Promise<IDataObject> {
		const key = parseServiceAccount(credentials.serviceAccountJson);
		const req = tokenRequest(key, Date.now());
		const response = (await this.helpers.httpRequest({
			method: 'POST',
			url: req.url,
			headers: req.headers,
			body: req.body as string,
		})) as unknown;
		const body = (typeof response === 'string' ? JSON.parse(response) : response) as { access_token?: string };
		if (!body?.access_token) throw new Error('Google did not return an access token for this service account');
		return { accessToken: body.access_token };
	}

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	// validate_only: FCM checks the request and the permission without delivering anything.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '=/v1/projects/{{JSON.parse($credentials.serviceAccountJson).project_id}}/messages:send',
			method: 'POST',
			body: {
				validate_only: true,
				message: { topic: 'microsegments-credential-test', notification: { title: 'Credential test', body: 'Not delivered' } },
			},
		},
	};
}
