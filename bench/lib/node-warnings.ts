// Node process warnings the benchmark expects and does not want in its output.
//
// kafkajs 2.2.4 calls setTimeout with a negative delay (Node >= 23 warns and uses 1 ms), and the
// contracts' topics.ts is loaded from source with no "type" in its package.json.
const IGNORED_WARNINGS = new Set(['MODULE_TYPELESS_PACKAGE_JSON', 'TimeoutNegativeWarning']);

/** Replaces Node's default warning printer with one that skips the expected warnings. */
export function silenceExpectedWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (!IGNORED_WARNINGS.has(warning.code ?? warning.name))
      console.error(`(node) ${warning.name}: ${warning.message}`);
  });
}
