import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Each rule of .dependency-cruiser.cjs (ADR 0007) is run, with the repository's own config, on a
// scratch tree laid out like the repository: one file that breaks the rule, one that keeps it.
const root = resolve(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');
const run = promisify(execFile);

const fixture: Record<string, string> = {
  'packages/contracts/src/index.ts': 'export type OrderLine = { sku: string };\n',
  'packages/outbox/src/index.ts':
    "import '../../../services/orders/src/main';\nexport const x = 1;\n",
  'services/orders/src/main.ts': "import '../../payments/src/main';\nexport const y = 1;\n",
  'services/payments/src/main.ts': 'export const z = 1;\n',
  'services/orders/src/orders/domain/order.ts':
    "import type { OrderLine } from '../../../../../packages/contracts/src/index';\nexport type Order = { lines: OrderLine[] };\n",
  'services/orders/src/orders/domain/driver.ts':
    "import { Client } from 'pg';\nexport const c = Client;\n",
  'services/orders/src/orders/domain/runs-contracts.ts':
    "import { fake } from '../../../../../packages/contracts/src/index';\nexport const f = fake;\n",
  'services/orders/src/orders/domain/reads-repository.ts':
    "import { repo } from '../infrastructure/repo';\nexport const r = repo;\n",
  'services/orders/src/orders/infrastructure/repo.ts': 'export const repo = 1;\n',
  'services/orders/src/orders/application/use-case.ts': 'export const useCase = 1;\n',
  'services/orders/src/orders/interface/good.controller.ts':
    "import { useCase } from '../application/use-case';\nexport const g = useCase;\n",
  'services/orders/src/orders/interface/bad.controller.ts':
    "import { repo } from '../infrastructure/repo';\nexport const b = repo;\n",
  'test/by-path.test.ts': "import '../packages/contracts/src/index';\n",
};

let dir: string;
let report: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'depcruise-'));
  for (const [path, source] of Object.entries(fixture)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), source);
  }
  const config = join(root, '.dependency-cruiser.cjs');
  try {
    await run(
      depcruise,
      ['packages', 'services', 'test', '--config', config, '--output-type', 'err'],
      {
        cwd: dir,
      },
    );
    report = '';
  } catch (error) {
    report = String((error as { stdout?: string }).stdout);
  }
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dependency rules (npm run lint)', () => {
  it.each([
    ['no-service-to-service', 'services/orders/src/main.ts → services/payments/src/main.ts'],
    [
      'packages-never-import-services',
      'packages/outbox/src/index.ts → services/orders/src/main.ts',
    ],
    ['domain-imports-only-contracts', 'services/orders/src/orders/domain/driver.ts → pg'],
    [
      'domain-imports-only-contracts',
      'services/orders/src/orders/domain/reads-repository.ts → services/orders/src/orders/infrastructure/repo.ts',
    ],
    [
      'domain-uses-contract-types-only',
      'services/orders/src/orders/domain/runs-contracts.ts → packages/contracts/src/index.ts',
    ],
    [
      'interface-goes-through-application',
      'services/orders/src/orders/interface/bad.controller.ts → services/orders/src/orders/infrastructure/repo.ts',
    ],
    ['tests-import-packages-by-name', 'test/by-path.test.ts → packages/contracts/src/index.ts'],
  ])('%s fails on %s', (rule, edge) => {
    expect(report).toContain(`error ${rule}: ${edge}`);
  });

  it('lets the files that keep the rules pass', () => {
    for (const file of ['domain/order.ts', 'interface/good.controller.ts'])
      expect(report).not.toContain(`services/orders/src/orders/${file} →`);
  });
});

describe('domain/ reads no environment (eslint)', () => {
  it('fails on process.env in a domain file, not elsewhere', async () => {
    const { ESLint } = await import('eslint');
    const { configs } = await import('typescript-eslint');
    // The repository's config, minus the type information this rule does not need (30 s less).
    const eslint = new ESLint({ cwd: root, overrideConfig: [configs.disableTypeChecked] });
    const source = 'export const deadlineMs = Number(process.env.SAGA_DEADLINE_MS);\n';
    const lint = async (filePath: string): Promise<string[]> => {
      const [result] = await eslint.lintText(source, { filePath: join(root, filePath) });
      return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
    };
    expect(await lint('services/orders-service/src/orders/domain/order.ts')).toContain(
      'no-restricted-properties',
    );
    expect(await lint('services/orders-service/src/config.ts')).not.toContain(
      'no-restricted-properties',
    );
  }, 60_000);
});
