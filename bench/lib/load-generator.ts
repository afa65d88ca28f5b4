// Child process: sends POST requests on a wall-clock schedule (open loop) or one after another
// (closed loop), and reports every request's timings to the parent over IPC. It runs apart from
// the parent so its timers are not delayed by the parent's other work (log piping, scrapes).
import { randomUUID } from 'node:crypto';
import { epochNow, isShed, keepAliveAgent, postJson } from './http-client.ts';
import type {
  ClosedLoopCommand,
  ClosedLoopResult,
  GeneratorCommand,
  OpenLoopCommand,
  OpenLoopResult,
  OrderMix,
} from './load-protocol.ts';

const agent = keepAliveAgent(512);
const MAX_ERROR_SAMPLES = 10;

function orderBody(mix: OrderMix, seq: number): { body: string; declined: boolean } {
  const declined = mix.declineEvery > 0 && seq % mix.declineEvery === mix.declineEvery - 1;
  const sku = mix.skus[seq % mix.skus.length] ?? 'SKU-BENCH-0';
  return {
    declined,
    body: JSON.stringify({
      customerId: `bench-customer-${seq % 1_000}`,
      currency: 'EUR',
      items: [{ sku, quantity: 1, unitPrice: 1_250 }],
      paymentMethod: declined ? 'pm_card_declined' : 'pm_card_visa',
    }),
  };
}

function idOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : '';
  } catch {
    return '';
  }
}

function describe(status: number, body: string): string {
  return `${status}: ${body.slice(0, 200)}`;
}

async function openLoop(command: OpenLoopCommand): Promise<OpenLoopResult> {
  const count = Math.max(1, Math.round((command.rate * command.durationMs) / 1_000));
  const interval = 1_000 / command.rate;
  const url = new URL(command.url);
  const result: OpenLoopResult = {
    kind: 'open-done',
    requestId: command.requestId,
    scheduled: new Float64Array(count),
    sent: new Float64Array(count),
    done: new Float64Array(count),
    status: new Int32Array(count),
    shed: new Uint8Array(count),
    declined: new Uint8Array(count),
    orderIds: new Array<string>(count).fill(''),
    errors: [],
  };
  const recordError = (message: string): void => {
    if (result.errors.length < MAX_ERROR_SAMPLES) result.errors.push(message);
  };
  await new Promise<void>((resolve) => {
    let next = 0;
    let finished = 0;
    const fire = (i: number): void => {
      const { body, declined } = orderBody(command.mix, command.firstSeq + i);
      result.scheduled[i] = command.startAt + i * interval;
      result.declined[i] = declined ? 1 : 0;
      result.sent[i] = epochNow();
      postJson(agent, url, body, command.timeoutMs, { 'x-correlation-id': randomUUID() })
        .then(
          (response) => {
            result.status[i] = response.status;
            if (response.status === 201) result.orderIds[i] = idOf(response.body);
            else if (isShed(response)) result.shed[i] = 1;
            else recordError(describe(response.status, response.body));
          },
          (error: unknown) => {
            result.status[i] = 0;
            recordError(error instanceof Error ? error.message : String(error));
          },
        )
        .finally(() => {
          result.done[i] = epochNow();
          if (++finished === count) resolve();
        });
    };
    const tick = (): void => {
      const now = epochNow();
      while (next < count && command.startAt + next * interval <= now) fire(next++);
      if (next < count) setTimeout(tick, Math.max(0, command.startAt + next * interval - now));
    };
    setTimeout(tick, Math.max(0, command.startAt - epochNow()));
  });
  return result;
}

async function closedLoop(command: ClosedLoopCommand): Promise<ClosedLoopResult> {
  const url = new URL(command.url);
  const latencies = new Float64Array(command.count);
  const sent = new Float64Array(command.count);
  const orderIds: string[] = [];
  const errors: string[] = [];
  for (let i = -command.warmup; i < command.count; i++) {
    const { body } = orderBody(command.mix, command.firstSeq + command.warmup + i);
    const started = epochNow();
    let status = 0;
    let text: string;
    try {
      ({ status, body: text } = await postJson(agent, url, body, command.timeoutMs));
    } catch (error) {
      text = error instanceof Error ? error.message : String(error);
    }
    const elapsed = epochNow() - started;
    if (status !== command.expectStatus && errors.length < MAX_ERROR_SAMPLES)
      errors.push(describe(status, text));
    if (command.collectIds && i >= 0) orderIds.push(status === 201 ? idOf(text) : '');
    if (i >= 0) {
      latencies[i] = elapsed;
      sent[i] = started;
    }
    const pause = started + command.paceMs - epochNow();
    if (pause > 0) await new Promise((done) => setTimeout(done, pause));
  }
  return { kind: 'closed-done', requestId: command.requestId, latencies, sent, orderIds, errors };
}

process.on('message', (message: GeneratorCommand) => {
  if (message.kind === 'exit') {
    agent.destroy();
    process.disconnect();
    return;
  }
  const work = message.kind === 'open' ? openLoop(message) : closedLoop(message);
  void work.then((result) => process.send?.(result));
});
