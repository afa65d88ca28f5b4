import { Redis } from 'ioredis';
import { z } from 'zod';
import type { BreakerRecord, OutcomeWindow } from './breaker-state';

const StoredRecord = z.object({
  state: z.enum(['closed', 'half-open', 'open']),
  openedAt: z.number().int().nullable(),
  reason: z.string().nullable(),
  held: z.boolean(),
  version: z.number().int().min(0),
});

// Compare-and-set of the shared record: written only over the version the writer last saw, so of
// two replicas tripping at once one wins and the other adopts its record. A change also clears
// the failure window (the next state starts from fresh counts) and is published to the others.
const WRITE = `
local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = cjson.decode(current).version end
if version ~= tonumber(ARGV[1]) then return {'conflict', current or ''} end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[3], ARGV[2])
return {'written'}
`;

// One outcome into the shared rolling window (a hash of "<bucket>:calls|failures" fields), old
// buckets dropped, the window's totals returned: every replica's calls count toward one trip.
const RECORD = `
local now = tonumber(ARGV[1])
local buckets = tonumber(ARGV[2])
redis.call('HINCRBY', KEYS[1], now .. ':calls', 1)
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[1], now .. ':failures', 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local calls, failures = 0, 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local sep = string.find(fields[i], ':')
  local bucket = tonumber(string.sub(fields[i], 1, sep - 1))
  if bucket <= now - buckets then
    redis.call('HDEL', KEYS[1], fields[i])
  elseif string.sub(fields[i], sep + 1) == 'calls' then
    calls = calls + tonumber(fields[i + 1])
  else
    failures = failures + tonumber(fields[i + 1])
  end
end
return {calls, failures}
`;

const WriteReply = z.union([
  z.tuple([z.literal('written')]),
  z.tuple([z.literal('conflict'), z.string()]),
]);
const RecordReply = z.tuple([z.number(), z.number()]);

export interface RedisBreakerStoreOptions {
  readonly url: string;
  /** Keys and channel are `<namespace>breaker:<name>...`: deployments sharing a Redis stay apart. */
  readonly namespace: string;
  readonly name: string;
  /** Buckets of the rolling window; the window is `buckets * bucketMs`. */
  readonly windowMs: number;
  /** Every command fails after this long (ms); the breaker then decides alone until Redis answers. */
  readonly commandTimeoutMs?: number;
}

export type WriteResult =
  | { readonly written: true }
  | { readonly written: false; readonly current: BreakerRecord | undefined };

const BUCKETS = 10;

/**
 * The breaker's shared half: its record under one key, the rolling window of outcomes under
 * another, and a pub/sub channel that tells the other replicas of each change at once. Commands
 * fail fast while Redis is away (no offline queue); the caller then runs on its own.
 */
export class RedisBreakerStore {
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly stateKey: string;
  private readonly windowKey: string;
  private readonly channel: string;

  constructor(private readonly options: RedisBreakerStoreOptions) {
    const base = `${options.namespace}breaker:${options.name}`;
    this.stateKey = `${base}:state`;
    this.windowKey = `${base}:window`;
    this.channel = base;
    const connection = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Off the call path (a call reads the local state; writes and the window are async), so a
      // loaded Redis may take its time before it counts as gone.
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      connectTimeout: 2_000,
      // Reconnect forever, at most every second: Redis coming back must be noticed soon.
      retryStrategy: (times: number) => Math.min(100 * 2 ** times, 1_000),
    };
    this.commands = new Redis(options.url, connection);
    // A subscribed connection can run nothing else (Redis protocol), hence a second one; it
    // may queue its SUBSCRIBE while offline, so it resubscribes by itself after a reconnect.
    this.subscriber = new Redis(options.url, {
      ...connection,
      enableOfflineQueue: true,
      commandTimeout: undefined,
    });
  }

  /** Called with every error of either connection (logged and counted by the breaker). */
  onError(listener: (error: Error) => void): void {
    this.commands.on('error', listener);
    this.subscriber.on('error', listener);
  }

  /** Called when the command connection is (again) ready: time to re-read the shared record. */
  onReady(listener: () => void): void {
    this.commands.on('ready', listener);
  }

  /** Connects both connections; resolves false (never rejects) when Redis is not there. */
  async connect(): Promise<boolean> {
    const [commands, subscriber] = await Promise.all([
      this.commands.connect().then(
        () => true,
        () => false,
      ),
      this.subscriber.connect().then(
        () => true,
        () => false,
      ),
    ]);
    return commands && subscriber;
  }

  /** Every record another replica (or this one) writes; undecodable messages are ignored. */
  async subscribe(listener: (record: BreakerRecord) => void): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const record = decode(message);
      if (record !== undefined) listener(record);
    });
    await this.subscriber.subscribe(this.channel);
  }

  async read(): Promise<BreakerRecord | undefined> {
    const value = await this.commands.get(this.stateKey);
    return value === null ? undefined : decode(value);
  }

  async write(expectedVersion: number, next: BreakerRecord): Promise<WriteResult> {
    const reply = WriteReply.parse(
      await this.commands.eval(
        WRITE,
        2,
        this.stateKey,
        this.windowKey,
        expectedVersion,
        JSON.stringify(next),
        this.channel,
      ),
    );
    if (reply[0] === 'written') return { written: true };
    return { written: false, current: reply[1] === '' ? undefined : decode(reply[1]) };
  }

  /** Adds one outcome to the shared window; returns the window's totals, every replica's. */
  async record(failed: boolean, at: number): Promise<OutcomeWindow> {
    const bucketMs = Math.max(1, Math.floor(this.options.windowMs / BUCKETS));
    const [calls, failures] = RecordReply.parse(
      await this.commands.eval(
        RECORD,
        1,
        this.windowKey,
        Math.floor(at / bucketMs),
        BUCKETS,
        failed ? '1' : '0',
        this.options.windowMs + bucketMs,
      ),
    );
    return { calls, failures };
  }

  close(): void {
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}

function decode(value: string): BreakerRecord | undefined {
  try {
    const parsed = StoredRecord.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON: not a record this code wrote
  }
}
