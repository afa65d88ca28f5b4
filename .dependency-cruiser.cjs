// The dependency rules of ADR 0007, held by a tool: `npm run lint` runs this rule set, and
// test/lint/dependency-rules.test.ts proves each rule fails on a fixture that breaks it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-service-to-service',
      comment: 'Services talk over Kafka and HTTP only; shared code lives in packages/.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/([^/]+)/', pathNot: '^services/$1/' },
    },
    {
      name: 'packages-never-import-services',
      comment: 'A package serves every service, so it cannot know any of them.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'domain-imports-only-contracts',
      comment:
        'domain/ is pure: its own files and @order-saga/contracts types; no Nest, kafkajs, pg, typeorm, ioredis, no other layer.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/[^/]+/domain/', pathNot: '\\.spec\\.ts$' },
      to: {
        pathNot: [
          '^services/[^/]+/src/[^/]+/domain/',
          '^packages/contracts/',
          '^@order-saga/contracts$',
        ],
      },
    },
    {
      name: 'domain-uses-contract-types-only',
      comment: 'domain/ may name contract types (import type), never run contract code.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/[^/]+/domain/', pathNot: '\\.spec\\.ts$' },
      to: {
        path: ['^packages/contracts/', '^@order-saga/contracts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'interface-goes-through-application',
      comment: 'Controllers call use cases; they never reach domain/ or infrastructure/ directly.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/[^/]+/interface/' },
      to: { path: '^services/[^/]+/src/[^/]+/(domain|infrastructure)/' },
    },
    {
      name: 'tests-import-packages-by-name',
      comment: "Tests use a package's public surface (@order-saga/<name>), never its files.",
      severity: 'error',
      from: { path: '^test/' },
      to: { path: '^packages/[^/]+/src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|\\.stack|\\.tools)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
