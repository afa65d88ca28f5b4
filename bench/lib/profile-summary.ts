// Where a service's CPU time goes, from the V8 CPU profiles `node --cpu-prof` writes when the
// process exits (`--profile`): self time per function, grouped by where the function's code
// lives (a package under node_modules, one of our packages or services, Node's internals, V8's
// own work such as GC), and the functions with the most self time.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of the .cpuprofile format (V8's Profiler.Profile) read here. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly hitCount?: number;
  }>;
  /** Microseconds. */
  readonly startTime: number;
  readonly endTime: number;
  /** Node id per sample, and the microseconds before each sample. */
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileGroup {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy (not idle) time. */
  readonly share: number;
}

export interface ProfileFunction {
  readonly name: string;
  /** `path:line`, the path from the package (or our folder) on; '' for V8's own entries. */
  readonly where: string;
  readonly group: string;
  readonly ms: number;
  readonly share: number;
}

/**
 * A span of CLOCK_MONOTONIC microseconds, the clock V8 stamps profiles with on Linux (the same
 * as process.hrtime in any process of the machine): only samples inside it count.
 */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** CLOCK_MONOTONIC now, in microseconds: a ProfileWindow's bound. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1_000n);
}

export interface ProfileSummary {
  readonly files: number;
  /** Time the profiles cover (within the window, if any), summed over their files. */
  readonly wallMs: number;
  /** Sampled time not idle: JavaScript, GC, V8 and native work on the main thread. */
  readonly busyMs: number;
  readonly groups: readonly ProfileGroup[];
  readonly top: readonly ProfileFunction[];
}

export const OUR_CODE_PREFIX = 'ours: ';
const TOP_FUNCTIONS = 15;

/**
 * The group of a function: `(garbage collector)` is GC, other parenthesised names are V8's own
 * entries, `node:` URLs are Node's internals, a path under node_modules is that package (the last
 * node_modules in the path; `@scope/name` kept whole; our workspace packages count as ours),
 * a path under packages/ or services/ is ours. `undefined` for idle time and the root.
 */
export function groupOf(functionName: string, url: string): string | undefined {
  if (functionName === '(idle)' || functionName === '(root)') return undefined;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8 (program)';
  if (url === '') return 'native (builtins, bindings)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first = '', second = ''] = path.slice(modules + '/node_modules/'.length).split('/');
    const name = first.startsWith('@') ? `${first}/${second}` : first;
    return name.startsWith('@order-saga/')
      ? `${OUR_CODE_PREFIX}${name.slice('@order-saga/'.length)}`
      : name;
  }
  const ours = /\/(packages|services)\/([^/]+)\//.exec(path);
  if (ours !== null) return `${OUR_CODE_PREFIX}${ours[2] ?? ''}`;
  return 'other';
}

/** `path:line` from the package's or our folder's name on (lineNumber is 0-based in profiles). */
function whereOf(url: string, lineNumber: number): string {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  const line = lineNumber + 1;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return `${path.slice(modules + '/node_modules/'.length)}:${line}`;
  const ours = path.search(/\/(packages|services)\/[^/]+\//);
  return `${ours >= 0 ? path.slice(ours + 1) : path}:${line}`;
}

/**
 * Milliseconds of self time per node id: each sample lasts until the next one; with a window,
 * the part of each sample's span inside it.
 */
function selfTimes(profile: CpuProfile, window: ProfileWindow | undefined): Map<number, number> {
  const times = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  const from = window?.fromUs ?? Number.NEGATIVE_INFINITY;
  const to = window?.toUs ?? Number.POSITIVE_INFINITY;
  if (samples !== undefined && timeDeltas !== undefined && samples.length > 0) {
    let last = profile.startTime;
    const at = timeDeltas.map((delta) => (last += delta));
    samples.forEach((id, i) => {
      const start = at[i] ?? profile.endTime;
      const end = at[i + 1] ?? profile.endTime;
      const us = Math.max(0, Math.min(end, to) - Math.max(start, from));
      if (us > 0) times.set(id, (times.get(id) ?? 0) + us / 1_000);
    });
    return times;
  }
  if (window !== undefined) return times; // hit counts carry no time: nothing is in the window
  // No sample list: spread the profile's duration evenly over the hit counts.
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const perHit = hits > 0 ? (profile.endTime - profile.startTime) / 1_000 / hits : 0;
  for (const node of profile.nodes) times.set(node.id, (node.hitCount ?? 0) * perHit);
  return times;
}

/** One summary over one or more profiles (e.g. a service restarted during the run). */
export function summarizeProfiles(
  profiles: readonly CpuProfile[],
  window?: ProfileWindow,
): ProfileSummary {
  const groupMs = new Map<string, number>();
  const functionMs = new Map<string, Omit<ProfileFunction, 'share'>>();
  let wallMs = 0;
  let busyMs = 0;
  for (const profile of profiles) {
    const from = Math.max(profile.startTime, window?.fromUs ?? Number.NEGATIVE_INFINITY);
    const to = Math.min(profile.endTime, window?.toUs ?? Number.POSITIVE_INFINITY);
    wallMs += Math.max(0, to - from) / 1_000;
    const times = selfTimes(profile, window);
    for (const node of profile.nodes) {
      const ms = times.get(node.id) ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      const group = groupOf(functionName, url);
      if (ms === 0 || group === undefined) continue;
      busyMs += ms;
      groupMs.set(group, (groupMs.get(group) ?? 0) + ms);
      const key = `${functionName}\u0000${url}\u0000${lineNumber}`;
      const seen = functionMs.get(key);
      functionMs.set(key, {
        name: functionName === '' ? '(anonymous)' : functionName,
        where: whereOf(url, lineNumber),
        group,
        ms: (seen?.ms ?? 0) + ms,
      });
    }
  }
  const share = (ms: number): number => (busyMs > 0 ? ms / busyMs : Number.NaN);
  return {
    files: profiles.length,
    wallMs,
    busyMs,
    groups: [...groupMs]
      .map(([name, ms]) => ({ name, ms, share: share(ms) }))
      .sort((a, b) => b.ms - a.ms),
    top: [...functionMs.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, TOP_FUNCTIONS)
      .map((f) => ({ ...f, share: share(f.ms) })),
  };
}

/** The summary of every .cpuprofile in `dir`; undefined when there is none (or no dir). */
export function summarizeProfileDir(
  dir: string,
  window?: ProfileWindow,
): ProfileSummary | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  if (names.length === 0) return undefined;
  return summarizeProfiles(
    names.map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile),
    window,
  );
}

/** "kafkajs 31 %, pg 12 %, ours 8 % (messaging 5 %, ...), GC 4 %, ...": the groups on one line. */
export function groupsLine(summary: ProfileSummary, minShare = 0.01): string {
  const ours = summary.groups.filter((g) => g.name.startsWith(OUR_CODE_PREFIX));
  const oursShare = ours.reduce((sum, g) => sum + g.share, 0);
  const percent = (share: number): string => `${(share * 100).toFixed(0)} %`;
  const entries = summary.groups
    .filter((g) => !g.name.startsWith(OUR_CODE_PREFIX) && g.share >= minShare)
    .map((g) => ({ share: g.share, text: `${g.name} ${percent(g.share)}` }));
  const oursShown = ours
    .filter((g) => g.share >= minShare)
    .map((g) => `${g.name.slice(OUR_CODE_PREFIX.length)} ${percent(g.share)}`);
  if (ours.length > 0)
    entries.push({
      share: oursShare,
      text: `our code ${percent(oursShare)}${oursShown.length > 0 ? ` (${oursShown.join(', ')})` : ''}`,
    });
  return entries
    .sort((a, b) => b.share - a.share)
    .map((e) => e.text)
    .join(', ');
}
