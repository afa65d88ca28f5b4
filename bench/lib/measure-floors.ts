// The three floors of this run, measured in order on a quiet machine, before the services start:
// (a) a PostgreSQL transaction, (b) a no-op POST through the services' HTTP stack, (c) a Kafka
// hop. How (a) and (c) are measured is in floors.ts; (b) needs the no-op server and the load
// generator, two child processes, so it is driven from here.
import { measureKafkaFloor, measureTransactionFloor } from './floors.ts';
import { HelperProcess } from './helper-process.ts';
import { Histogram } from './histogram.ts';
import type { ClosedLoopCommand, GeneratorResult } from './load-protocol.ts';
import { processCpu } from './proc.ts';
import { formatMs, progress } from './progress.ts';
import type { Floors } from './report-model.ts';
import type { RunResources } from './run-resources.ts';
import { MIX, REQUEST_TIMEOUT_MS } from './workload.ts';

export interface FloorInputs {
  readonly generator: HelperProcess<GeneratorResult>;
  /** Where the no-op server is registered, so that a failure still stops it. */
  readonly resources: RunResources;
  /** Admin URL of the stack's PostgreSQL: the scratch database is created through it. */
  readonly postgresUrl: string;
  readonly brokers: string[];
  readonly kafkaPid: number | undefined;
  /** Names the scratch database and topic, so that concurrent runs do not collide. */
  readonly runId: string;
  /** The run's partition count: the Kafka hop is measured on a topic like the services'. */
  readonly partitions: number;
}

export async function measureFloors(input: FloorInputs): Promise<Floors> {
  progress('floor (a): PostgreSQL transaction, one order row + one outbox row (pg driver)');
  const tx = await measureTransactionFloor(input.postgresUrl, input.runId, 2_000, 200);
  progress(`  ${floorLine(tx.latency, tx.cpuMs)}`);

  progress('floor (b): no-op POST route on NestJS + Fastify (createHttpApp), in a child process');
  const noop = await measureNoopFloor(input.generator, input.resources);
  progress(`  ${floorLine(noop.latency, noop.cpuMs)}`);

  progress("floor (c): Kafka hop, KafkaPublisher -> EventConsumer (the services' settings)");
  const kafka = await measureKafkaFloor(
    input.brokers,
    input.runId,
    input.partitions,
    500,
    50,
    input.kafkaPid,
  );
  progress(`  ${floorLine(kafka.latency, kafka.cpuMs)}`);
  return {
    transaction: { latency: tx.latency.summary(), cpuMs: tx.cpuMs },
    noop: { latency: noop.latency.summary(), cpuMs: noop.cpuMs },
    kafka: { latency: kafka.latency.summary(), cpuMs: kafka.cpuMs },
  };
}

function floorLine(latency: Histogram, cpuMs: number): string {
  return `p50 ${formatMs(latency.percentile(50))} ms, p99 ${formatMs(latency.percentile(99))} ms, CPU ${formatMs(cpuMs)} ms per operation (client + server)`;
}

/** (b) Closed-loop POSTs from the load generator's keep-alive client to the no-op server. */
async function measureNoopFloor(
  generator: HelperProcess<GeneratorResult>,
  resources: RunResources,
): Promise<{ latency: Histogram; cpuMs: number }> {
  const noopServer = new HelperProcess<never>('noop-server.ts');
  resources.helpers.push(noopServer);
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('no-op server did not start in 30 s')), 30_000);
    noopServer.child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      done(message.port ?? 0);
    });
  });
  const noopCpu = (): number => processCpu(generator.child.pid) + processCpu(noopServer.child.pid);
  const noopCpuStart = noopCpu();
  const noopCount = 2_000;
  const noopWarmup = 300;
  const noopResult = await generator.request<ClosedLoopCommand>(
    {
      kind: 'closed',
      url: `http://127.0.0.1:${port}/noop`,
      count: noopCount,
      warmup: noopWarmup,
      firstSeq: 0,
      mix: MIX,
      expectStatus: 201,
      collectIds: false,
      timeoutMs: REQUEST_TIMEOUT_MS,
      paceMs: 0,
    },
    120_000,
  );
  // Warm-up requests included: the CPU figure is a slight overestimate, never an under.
  const cpuMs = ((noopCpu() - noopCpuStart) * 1_000) / (noopCount + noopWarmup);
  await noopServer.exit();
  if (noopResult.kind !== 'closed-done') throw new Error('load generator: unexpected answer');
  const latency = new Histogram();
  for (const value of noopResult.latencies) latency.record(value);
  if (noopResult.errors.length > 0) progress(`  errors: ${noopResult.errors.join('; ')}`);
  return { latency, cpuMs };
}
