// `npm run saga -- <command>`: the operator's side of compensations that gave up
// (COMPENSATION_FAILED). Talks to payments-adapter's admin port (PAYMENTS_ADAPTER_ADMIN_URL, or
// the port `npm run demo` gives it).
import { adminClient, fieldLines, runAdminCli, usageError } from '../admin/admin-client.ts';

const USAGE = `usage: npm run saga -- <command>

  failed-compensations             refunds that gave up: the orders in COMPENSATION_FAILED
  retry-compensation <orderId>     one more refund call now; on success the order is CANCELLED

Environment: PAYMENTS_ADAPTER_ADMIN_URL (default: the demo's payments-adapter admin port).`;

interface FailedRefund {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string | null;
  readonly error: string | null;
  readonly refundAttempts: number;
  readonly failedAt: string;
}

async function main(args: readonly string[]): Promise<void> {
  const [command, ...rest] = args;
  const payments = adminClient('payments-adapter');
  switch (command) {
    case 'failed-compensations': {
      const { items } = await payments.get<{ items: FailedRefund[] }>('/admin/compensations');
      if (items.length === 0) {
        console.log('no compensation has failed');
        return;
      }
      for (const { orderId, ...rest } of items) {
        console.log(orderId);
        for (const line of fieldLines(rest, '  ')) console.log(line);
      }
      return;
    }
    case 'retry-compensation': {
      const [orderId] = rest;
      if (orderId === undefined || rest.length !== 1)
        throw usageError('retry-compensation takes one order id', USAGE);
      const result = await payments.post<{ providerRefundId: string }>(
        `/admin/compensations/${encodeURIComponent(orderId)}/retry`,
      );
      console.log(
        `refunded (${result.providerRefundId}); the order moves to CANCELLED once the saga applies it`,
      );
      return;
    }
    case undefined:
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      throw usageError(`unknown command ${command}`, USAGE);
  }
}

runAdminCli(main);
