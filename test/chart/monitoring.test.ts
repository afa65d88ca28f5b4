// The rules as Prometheus itself sees them: `promtool check rules` on every rule file, and the
// promtool unit tests of monitoring/tests/, in which every alert must both fire on a failing
// synthetic series and stay quiet on a healthy one. promtool comes with Debian's prometheus
// package, which the native stack needs anyway (scripts/stack/prerequisites.ts).
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { alertRules, ruleFiles, ruleTestsDir, rulesDir } from '../support/monitoring.ts';

interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface RuleTestFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: AlertTest[] }[];
}

const testFiles = readdirSync(ruleTestsDir)
  .filter((f) => f.endsWith('.test.yaml'))
  .sort();
const alertTests = testFiles.flatMap((file) =>
  (parse(readFileSync(join(ruleTestsDir, file), 'utf8')) as RuleTestFile).tests.flatMap(
    (t) => t.alert_rule_test ?? [],
  ),
);

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (result.error)
    throw new Error(`promtool: ${result.error.message} (apt-get install prometheus)`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('rules under promtool', () => {
  it('promtool check rules accepts every rule file', () => {
    const { status, output } = promtool(
      ['check', 'rules', ...ruleFiles.map((f) => f.file)],
      rulesDir,
    );
    expect(status, output).toBe(0);
  });

  it('promtool test rules passes', () => {
    const { status, output } = promtool(['test', 'rules', ...testFiles], ruleTestsDir);
    expect(status, output).toBe(0);
    expect(output).not.toContain('FAILED');
  });

  it.each(alertRules.map((r) => r.alert ?? ''))(
    '%s has a test where it fires and one where it stays quiet',
    (alert) => {
      const cases = alertTests.filter((t) => t.alertname === alert);
      expect(
        cases.some((t) => (t.exp_alerts ?? []).length > 0),
        'a firing case',
      ).toBe(true);
      expect(
        cases.some((t) => (t.exp_alerts ?? []).length === 0),
        'a quiet case',
      ).toBe(true);
    },
  );

  it('would catch an alert that can never fire', () => {
    // The same tests against a copy of the rules in which no alert can ever fire.
    const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
    try {
      mkdirSync(join(dir, 'rules'));
      cpSync(ruleTestsDir, join(dir, 'tests'), { recursive: true });
      for (const { file, groups } of ruleFiles) {
        const silenced = groups.map((g) => ({
          ...g,
          rules: g.rules.map((r) =>
            r.alert ? { ...r, expr: `(${r.expr.trim()}) and on() (vector(0) == 1)` } : r,
          ),
        }));
        writeFileSync(join(dir, 'rules', file), stringify({ groups: silenced }));
      }
      const { status, output } = promtool(['test', 'rules', ...testFiles], join(dir, 'tests'));
      expect(status).not.toBe(0);
      for (const alert of alertRules.map((r) => r.alert))
        expect(output, `${alert} should have failed`).toContain(`alertname: ${alert},`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
