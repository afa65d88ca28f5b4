// Unit test (Vitest project unit): the CPU-profile summary on profiles written by hand, where
// every sample's time and every function's package are known.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'vitest';
import {
  groupOf,
  groupsLine,
  summarizeProfileDir,
  summarizeProfiles,
  type CpuProfile,
} from './profile-summary.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

test('groups self time by package, ours apart, idle left out', () => {
  // fixtures/hand-made.cpuprofile: 32 samples of 1 ms, 10 of them idle.
  const summary = summarizeProfileDir(FIXTURES);
  assert.ok(summary !== undefined);
  assert.equal(summary.files, 1);
  assert.equal(summary.wallMs, 33);
  assert.equal(summary.busyMs, 22);
  const groups = Object.fromEntries(summary.groups.map((g) => [g.name, g.ms]));
  assert.deepEqual(groups, {
    kafkajs: 5,
    'ours: messaging': 4,
    pg: 3,
    GC: 2,
    'node internals': 2,
    '@noble/hashes': 1,
    'V8 (program)': 1,
    'native (builtins, bindings)': 1,
    'ours: orders-service': 1,
    'ours: outbox': 1,
    b: 1,
  });
  assert.equal(summary.groups[0]?.name, 'kafkajs');
  assert.equal(summary.groups[0]?.share, 5 / 22);
});

test('top functions by self time, with where they live', () => {
  const summary = summarizeProfileDir(FIXTURES);
  assert.ok(summary !== undefined);
  assert.deepEqual(
    summary.top.slice(0, 3).map((f) => [f.name, f.where, f.group, f.ms]),
    [
      ['decode', 'kafkajs/src/protocol/decoder.js:10', 'kafkajs', 5],
      ['handle', 'packages/messaging/dist/consumer.js:5', 'ours: messaging', 4],
      ['query', 'pg/lib/client.js:20', 'pg', 3],
    ],
  );
  const anonymous = summary.top.find((f) => f.group === 'ours: orders-service');
  assert.equal(anonymous?.name, '(anonymous)');
  assert.equal(anonymous?.where, 'services/orders-service/dist/main.js:3');
  assert.equal(summary.top.find((f) => f.group === 'GC')?.where, '');
  assert.equal(summary.top.length, 11); // every busy node: fewer than the 15 kept
});

test('the one-line summary puts our code together', () => {
  const summary = summarizeProfileDir(FIXTURES);
  assert.ok(summary !== undefined);
  // ours 6 of 22 ms (messaging 4; orders-service and outbox 1 each, under the 5 % shown)
  assert.equal(
    groupsLine(summary, 0.05),
    'our code 27 % (messaging 18 %), kafkajs 23 %, pg 14 %, GC 9 %, node internals 9 %',
  );
});

test('a sample lasts until the next one; the last until the end of the profile', () => {
  const profile: CpuProfile = {
    nodes: [
      {
        id: 1,
        callFrame: { functionName: 'slow', url: 'file:///x/node_modules/pg/a.js', lineNumber: 0 },
      },
      {
        id: 2,
        callFrame: {
          functionName: 'fast',
          url: 'file:///x/node_modules/kafkajs/b.js',
          lineNumber: 0,
        },
      },
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [1, 2, 1],
    // samples at 1 ms, 7 ms and 8 ms: slow 6 ms + 2 ms (until the end), fast 1 ms
    timeDeltas: [1_000, 6_000, 1_000],
  };
  const summary = summarizeProfiles([profile]);
  assert.deepEqual(
    summary.groups.map((g) => [g.name, g.ms]),
    [
      ['pg', 8],
      ['kafkajs', 1],
    ],
  );
});

test('a window keeps the samples inside it, cutting those it splits', () => {
  const profile: CpuProfile = {
    nodes: [
      {
        id: 1,
        callFrame: { functionName: 'boot', url: 'node:internal/modules/cjs/loader', lineNumber: 0 },
      },
      {
        id: 2,
        callFrame: { functionName: 'work', url: 'file:///x/node_modules/pg/a.js', lineNumber: 0 },
      },
    ],
    startTime: 0,
    endTime: 10_000,
    // boot 1-5 ms, work 5-10 ms
    samples: [1, 2],
    timeDeltas: [1_000, 4_000],
  };
  const summary = summarizeProfiles([profile], { fromUs: 4_000, toUs: 8_000 });
  assert.equal(summary.wallMs, 4);
  assert.deepEqual(
    summary.groups.map((g) => [g.name, g.ms]),
    [
      ['pg', 3],
      ['node internals', 1],
    ],
  );
  const after = summarizeProfiles([profile], { fromUs: 20_000, toUs: 30_000 });
  assert.equal(after.wallMs, 0);
  assert.equal(after.busyMs, 0);
});

test('without a sample list the hit counts share the duration', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: 'a', url: 'node:fs', lineNumber: 0 }, hitCount: 3 },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 }, hitCount: 1 },
    ],
    startTime: 0,
    endTime: 8_000,
  };
  const summary = summarizeProfiles([profile, profile]);
  assert.equal(summary.files, 2);
  assert.equal(summary.busyMs, 12);
  assert.deepEqual(summary.groups, [{ name: 'node internals', ms: 12, share: 1 }]);
});

test('a folder without profiles has no summary', () => {
  assert.equal(summarizeProfileDir(join(FIXTURES, 'no-such-folder')), undefined);
  assert.equal(summarizeProfileDir(import.meta.dirname), undefined);
});

test('group names', () => {
  assert.equal(groupOf('(root)', ''), undefined);
  assert.equal(groupOf('(idle)', ''), undefined);
  assert.equal(groupOf('x', 'file:///r/node_modules/@nestjs/core/a.js'), '@nestjs/core');
  assert.equal(groupOf('x', 'file:///r/node_modules/.pnpm/q/node_modules/typeorm/a.js'), 'typeorm');
  assert.equal(groupOf('x', 'file:///r/node_modules/@order-saga/inbox/dist/a.js'), 'ours: inbox');
  assert.equal(groupOf('x', 'file:///r/bench/lib/a.ts'), 'other');
});
