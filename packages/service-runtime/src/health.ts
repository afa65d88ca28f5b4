/** A dependency readiness depends on (database, broker, cache, ...). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when healthy; rejects (or exceeds the timeout) when not. */
  check(): Promise<void>;
  /**
   * A dependency the service stays correct without (a cache): when it fails, the service is
   * `degraded` but still ready, and the report says so. Default: required.
   */
  readonly optional?: boolean;
  /**
   * What the report shows of the dependency besides ok/failed (a circuit breaker's state, what a
   * readiness source last saw), read after the check settled.
   */
  readonly detail?: () => Readonly<Record<string, unknown>>;
}

export interface ReadinessReport {
  /** `degraded`: only optional checks failed; the service still takes traffic (HTTP 200). */
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly checks: Record<
    string,
    {
      status: 'ok' | 'failed' | 'degraded';
      error?: string;
      detail?: Readonly<Record<string, unknown>>;
    }
  >;
}

const CHECK_TIMEOUT_MS = 2_000;

export async function checkReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check) => withDetail(check, await run(check))),
  );
  const failed = results.some(([, result]) => result.status === 'failed');
  const degraded = results.some(([, result]) => result.status === 'degraded');
  const report: ReadinessReport['checks'] = {};
  for (const [name, result] of results) report[name] = result;
  return { status: failed ? 'unavailable' : degraded ? 'degraded' : 'ok', checks: report };
}

type CheckResult = ReadinessReport['checks'][string];

function withDetail(check: ReadinessCheck, result: CheckResult): readonly [string, CheckResult] {
  return [check.name, check.detail === undefined ? result : { ...result, detail: check.detail() }];
}

async function run(check: ReadinessCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: 'ok' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: check.optional === true ? 'degraded' : 'failed', error: message };
  } finally {
    clearTimeout(timer);
  }
}
