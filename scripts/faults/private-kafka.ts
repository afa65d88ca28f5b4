// A private single-node Kafka (KRaft) for fault runs: restarted at will without touching the
// stack's shared broker, which other suites use meanwhile. Same jars and server.properties as the
// stack's (scripts/stack/kafka-config.ts), its own ports and data directory, deleted by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_POM, LOG4J_PROPERTIES, serverProperties } from '../stack/kafka-config.ts';
import { describeClusterOnce } from '../stack/kafka-topics.ts';
import { resolveClasspath } from '../stack/maven.ts';
import { runCommand } from '../stack/processes.ts';
import { STACK_DIR } from '../stack/paths.ts';
import { freePorts } from '../system/saga-system.ts';
import { waitFor } from '../system/wait.ts';

export interface PrivateKafka {
  readonly brokers: string[];
  readonly logFile: string;
  /** Controlled shutdown (SIGTERM), then the same broker again: what a rolling restart does. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const JVM_OPTIONS = ['-Xms128m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true'];

export async function startPrivateKafka(name: string): Promise<PrivateKafka> {
  const dir = join(STACK_DIR, 'faults', `kafka-${name}-${randomBytes(3).toString('hex')}`);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const [port = 0, controllerPort = 0] = await freePorts(2);
  const brokers = [`127.0.0.1:${port}`];
  const properties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j2.properties');
  const logFile = join(dir, 'kafka.log');
  writeFileSync(properties, serverProperties(port, controllerPort, dataDir));
  writeFileSync(log4j, LOG4J_PROPERTIES);
  // The stack resolved the jars already (first `npm run stack -- up`); this reads its cache.
  const classpath = await resolveClasspath({
    server: 'kafka',
    pom: KAFKA_POM,
    classpathFile: join(STACK_DIR, 'kafka', 'classpath.txt'),
  });
  const format = await runCommand(
    'java',
    [
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '--config',
      properties,
      '--cluster-id',
      randomBytes(16).toString('base64url').replace(/^-/, 'A'),
    ],
    { cwd: dir },
  );
  if (format.code !== 0) throw new Error(`kafka storage format failed: ${format.output}`);

  let child: ChildProcess | undefined;
  async function start(): Promise<void> {
    const log = openSync(logFile, 'a');
    const launched = spawn(
      'java',
      [
        ...JVM_OPTIONS,
        `-Dlog4j2.configurationFile=${log4j}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ],
      { cwd: dir, stdio: ['ignore', log, log] },
    );
    child = launched;
    await waitFor(
      `the private broker on ${brokers[0] ?? ''} (log: ${logFile})`,
      async () => {
        if (launched.exitCode !== null) throw new Error(`exited with ${launched.exitCode}`);
        await describeClusterOnce(brokers);
        return true;
      },
      120_000,
      200,
    );
  }
  async function halt(): Promise<void> {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((done) => running.once('exit', () => done()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    brokers,
    logFile,
    async restart(downMs = 0) {
      await halt();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async stop() {
      await halt();
      if (process.env['KEEP_TEST_STATE'] !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}
