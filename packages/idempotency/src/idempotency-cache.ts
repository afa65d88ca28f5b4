import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '@order-saga/observability';
import type { StoredResponse } from './idempotency-records';

/** A completed response as the cache holds it, with what is needed to judge a retry. */
export interface CachedResponse {
  readonly fingerprint: string;
  readonly response: StoredResponse;
  /** Epoch milliseconds after which the key is free again. */
  readonly expiresAt: number;
}

export type Claim =
  | { readonly kind: 'cached'; readonly cached: CachedResponse }
  | { readonly kind: 'claimed'; readonly token: string }
  | { readonly kind: 'in-flight'; readonly retryAfterMs: number };

// One round trip decides a request: a completed response wins; otherwise whoever sets the
// in-flight marker first runs it and everyone else is told to come back later.
const CLAIM = `
local cached = redis.call('GET', KEYS[1])
if cached then return {'cached', cached} end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {'claimed'} end
return {'in-flight', tostring(redis.call('PTTL', KEYS[2]))}
`;
// Stores the response and drops the marker, but only our own marker: after its TTL another
// request may hold the key, and deleting that marker would let a third one in.
const COMPLETE = `
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`;

export interface IdempotencyCacheOptions {
  readonly url: string;
  /** Namespaces the keys: deployments (and test runs) sharing one Redis never see each other. */
  readonly namespace: string;
  readonly logger: Logger;
}

/**
 * Redis in front of the durable records: the in-flight marker (SET NX with a TTL) that turns a
 * concurrent duplicate away without touching PostgreSQL, and completed responses so a retry is
 * answered from memory. Optional for correctness: every method may fail (Redis down, flushed,
 * restarted) and the caller falls back to PostgreSQL. Commands fail fast instead of queueing
 * while disconnected, so an outage costs a request one refused command, not a timeout.
 */
export class IdempotencyCache {
  private readonly redis: Redis;

  constructor(private readonly options: IdempotencyCacheOptions) {
    this.redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A request never waits longer than this for Redis before it goes to PostgreSQL instead.
      commandTimeout: 250,
      connectTimeout: 2_000,
      // Reconnect forever, at most every 2 s: Redis coming back must be noticed without a restart.
      retryStrategy: (times) => Math.min(100 * 2 ** times, 2_000),
    });
    let down = false;
    this.redis.on('error', (error: Error) => {
      if (down) return;
      down = true;
      options.logger.warn({ err: error }, 'idempotency.cache_unavailable');
    });
    this.redis.on('ready', () => {
      if (down) options.logger.info('idempotency.cache_available');
      down = false;
    });
  }

  /**
   * Connects; resolves true once connected, false if Redis is not there (never rejects). The
   * client keeps reconnecting either way: a service starts, and stays correct, without Redis.
   */
  async start(): Promise<boolean> {
    return this.redis.connect().then(
      () => true,
      () => false,
    );
  }

  async stop(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }

  /** Readiness: reports Redis; the service marks the check optional (degraded, not down). */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async claim(scope: string, key: string, inFlightTtlMs: number): Promise<Claim> {
    const token = randomUUID();
    const reply = (await this.redis.eval(
      CLAIM,
      2,
      this.responseKey(scope, key),
      this.markerKey(scope, key),
      token,
      inFlightTtlMs,
    )) as [string, string?];
    const [kind, value] = reply;
    if (kind === 'cached' && value !== undefined) {
      return { kind: 'cached', cached: JSON.parse(value) as CachedResponse };
    }
    if (kind === 'claimed') return { kind: 'claimed', token };
    return { kind: 'in-flight', retryAfterMs: Math.max(0, Number(value ?? inFlightTtlMs)) };
  }

  /** Caches the response (unless `cached` is undefined: the request failed) and releases the claim. */
  async complete(
    scope: string,
    key: string,
    token: string,
    cached: CachedResponse | undefined,
    cacheTtlMs: number,
  ): Promise<void> {
    const ttl = cached === undefined ? 0 : Math.min(cacheTtlMs, cached.expiresAt - Date.now());
    await this.redis.eval(
      COMPLETE,
      2,
      this.responseKey(scope, key),
      this.markerKey(scope, key),
      token,
      cached === undefined || ttl <= 0 ? '' : JSON.stringify(cached),
      Math.max(1, Math.floor(ttl)),
    );
  }

  /** Caches a response read from PostgreSQL, so the next retry is answered from memory. */
  async put(scope: string, key: string, cached: CachedResponse, cacheTtlMs: number): Promise<void> {
    const ttl = Math.floor(Math.min(cacheTtlMs, cached.expiresAt - Date.now()));
    if (ttl <= 0) return;
    await this.redis.set(this.responseKey(scope, key), JSON.stringify(cached), 'PX', ttl);
  }

  // The hash tag keeps both keys of one idempotency key in one slot (Redis Cluster, scripts).
  // The scope's length comes first so that no (scope, key) pair can spell another one's name.
  private tag(scope: string, key: string): string {
    return `${this.options.namespace}{${scope.length}:${scope}:${key}}`;
  }

  private responseKey(scope: string, key: string): string {
    return `${this.tag(scope, key)}:response`;
  }

  private markerKey(scope: string, key: string): string {
    return `${this.tag(scope, key)}:in-flight`;
  }
}
