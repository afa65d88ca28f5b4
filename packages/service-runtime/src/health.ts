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
}

export interface ReadinessReport {
  /** `degraded`: only optional checks failed; the service still takes traffic (HTTP 200). */
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly checks: Record<string, { status: 'ok' | 'failed' | 'degraded'; error?: string }>;
}

const CHECK_TIMEOUT_MS = 2_000;

export async function checkReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check) => {
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
        return [check.name, { status: 'ok' as const }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const status = check.optional === true ? ('degraded' as const) : ('failed' as const);
        return [check.name, { status, error: message }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failed = results.some(([, result]) => result.status === 'failed');
  const degraded = results.some(([, result]) => result.status === 'degraded');
  const report: ReadinessReport['checks'] = {};
  for (const [name, result] of results) report[name] = result;
  return { status: failed ? 'unavailable' : degraded ? 'degraded' : 'ok', checks: report };
}
