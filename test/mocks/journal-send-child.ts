/**
 * Child process of ledger-journal.test.ts: sends a campaign with the file-journal ledger to the
 * SendGrid mock of the parent, which kills this process (SIGKILL) while it holds one request's
 * answer. Arguments: journal path, mock URL, number of recipients.
 */
import { runDelivery } from '../../nodes/core/delivery/engine';
import { JournalLedger } from '../../nodes/core/delivery/ledgerJournal';
import { createSendGridProvider } from '../../nodes/core/delivery/providers/sendgrid';
import { fetchTransport } from '../../nodes/core/net/http';

const [journal, url, count] = process.argv.slice(3);
const inputs = Array.from({ length: Number(count) }, (_, i) => ({ itemIndex: i, customerId: `c${i}`, address: `p${i}@example.com`, fields: {} }));
const provider = createSendGridProvider({
	baseUrl: url,
	apiKey: 'SG.k',
	templateId: 'd-0123456789abcdef0123456789abcdef',
	fromEmail: 'shop@example.com',
	limits: { maxBatchSize: 100, concurrency: 1 },
});
void runDelivery(inputs, { provider, transport: fetchTransport, ledger: new JournalLedger({ path: journal }), campaignKey: 'spring', runKey: 'once' }).then(() => {
	process.stdout.write('finished\n');
});
