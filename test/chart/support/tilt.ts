// Tilt's resource assembly, reproduced for the Tiltfile tests. tiltfile_harness.py executes the
// Tiltfile and records its calls; this module renders what it passed to k8s_yaml (helm() through
// the real helm binary, with the argv Tilt runs) and groups the objects into resources with Tilt's
// rules, raising the errors Tilt raises. Sources (tilt-dev/tilt): internal/k8s/object_selector.go,
// internal/k8s/names.go, internal/tiltfile/tiltfile_state.go (assembleK8sV2,
// assembleK8sByWorkload, isWorkload), internal/tiltfile/k8s.go (k8s_kind, k8s_resource),
// internal/tiltfile/helm.go, internal/k8s/entity.go (SelectorMatchesLabels).
//
// The rules that matter most, because they are easy to get wrong:
// - k8s_kind(kind, api_version) builds a *partial-match* selector: each non-empty field becomes
//   the regexp `(?i)<field>`, unanchored. k8s_kind('Kafka') therefore also matches KafkaNodePool
//   and KafkaTopic, and every matching object becomes a workload (a resource of its own, named
//   after the object).
// - k8s_resource objects=['name:kind:namespace'] are *full-match*, case-insensitive and quoted;
//   each must identify exactly one object among all objects, and that object must still be
//   unassigned (not a workload, not taken by another k8s_resource).
// - Resource names are the lower-cased object names (longer name:kind:... forms only when two
//   workloads share a name); renaming onto an existing name or grouping under one is an error.
// - Services join the first workload whose pod template labels their selector matches; nothing
//   else is grouped automatically (everything left goes to "uncategorized").
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { helm, repoRoot, type K8sObject } from './helm.ts';

export class TiltError extends Error {
  override name = 'TiltError';
}

type Call = { fn: string } & Record<string, unknown>;

interface YamlInput {
  blob: string | null;
  helm: { argv: string[]; namespace: string } | null;
  source: string;
}

export interface TiltfileRun {
  calls: Call[];
  error?: string;
}

/** Runs a Tiltfile (default: the repository's) under the harness, as `tilt <subcommand>`. */
export function runTiltfile(
  options: { tiltfile?: string; subcommand?: 'up' | 'ci'; args?: string[] } = {},
): TiltfileRun {
  const result = spawnSync(
    'python3',
    [
      join(repoRoot, 'test', 'chart', 'support', 'tiltfile_harness.py'),
      options.tiltfile ?? join(repoRoot, 'Tiltfile'),
      repoRoot,
      options.subcommand ?? 'up',
      '--',
      ...(options.args ?? []),
    ],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NODE: process.execPath } },
  );
  if (result.error) throw result.error; // no python3: a failure, never a skip
  if (result.status !== 0) throw new Error(`tiltfile harness crashed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as TiltfileRun;
}

// ---------------------------------------------------------------------------------------------
// Selectors (internal/k8s/object_selector.go)
// ---------------------------------------------------------------------------------------------

/** An object as Tilt sees it: GVK, name and the namespace ("default" when unset). */
export interface Entity {
  object: K8sObject;
  group: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

function entity(object: K8sObject): Entity {
  const slash = object.apiVersion.indexOf('/');
  return {
    object,
    group: slash < 0 ? '' : object.apiVersion.slice(0, slash),
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    namespace: object.metadata.namespace || 'default',
  };
}

export interface ObjectSelector {
  description: string;
  matches(e: Entity): boolean;
}

// Go's regexp and JavaScript's agree on the syntax these selectors use; `(?i)` is the `i` flag.
const goRegexp = (pattern: string, anchored: boolean): RegExp =>
  pattern === '' ? /(?:)/ : new RegExp(anchored ? `^${pattern}$` : pattern, 'i');
const quoteMeta = (s: string): string => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

function selector(
  description: string,
  parts: { apiVersion: RegExp; kind: RegExp; name: RegExp; namespace: RegExp },
): ObjectSelector {
  return {
    description,
    // GroupVersion().String() is "v1" for the core group, "group/version" otherwise.
    matches: (e) =>
      parts.apiVersion.test(e.apiVersion) &&
      parts.kind.test(e.kind) &&
      parts.name.test(e.name) &&
      parts.namespace.test(e.namespace),
  };
}

/** NewPartialMatchObjectSelector: what k8s_kind builds. */
export function partialMatchSelector(apiVersion: string, kind: string): ObjectSelector {
  return selector(`k8s_kind(${JSON.stringify(kind)}, api_version=${JSON.stringify(apiVersion)})`, {
    apiVersion: goRegexp(apiVersion, false),
    kind: goRegexp(kind, false),
    name: /(?:)/,
    namespace: /(?:)/,
  });
}

/** SelectorFromString: what k8s_resource(objects=[...]) builds, full-match and quoted. */
export function fragmentSelector(fragment: string): ObjectSelector {
  const parts = fragment.split(':');
  if (fragment === '' || parts.length > 3)
    throw new TiltError(`selector ${JSON.stringify(fragment)} must have 1 to 3 parts`);
  const [name = '', kind = '', namespace = ''] = parts;
  const exact = (s: string): RegExp => goRegexp(s === '' ? '' : quoteMeta(s), true);
  return selector(fragment, {
    apiVersion: /(?:)/,
    kind: exact(kind),
    name: exact(name),
    namespace: exact(namespace),
  });
}

/** potentialNames (internal/k8s/names.go): name, name:kind, name:kind:ns, name:kind:ns:group. */
function potentialNames(e: Entity): string[] {
  const components = [e.name, e.kind, e.namespace, e.group || 'core'];
  return components.map((_, i) =>
    components
      .slice(0, i + 1)
      .join(':')
      .toLowerCase(),
  );
}

const fullName = (e: Entity): string => `${e.name}:${e.kind}:${e.namespace}`;

// ---------------------------------------------------------------------------------------------
// Rendering what the Tiltfile passed to k8s_yaml
// ---------------------------------------------------------------------------------------------

function parseYaml(text: string, source: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new TiltError(`Error reading yaml from ${source}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value as K8sObject);
  }
  return objects;
}

/** helm(): `helm template`, minus templates/tests, then the namespace on objects without one. */
function renderHelm(spec: { argv: string[]; namespace: string }): K8sObject[] {
  const result = helm(spec.argv);
  if (result.status !== 0) throw new TiltError(`Error in helm: ${result.stderr}`);
  const kept = result.stdout
    .split('---\n')
    .filter((doc) => !/^# Source: .*\/tests\//m.test(doc))
    .join('---\n');
  const objects = parseYaml(kept, 'helm');
  if (spec.namespace) {
    for (const o of objects) o.metadata.namespace = o.metadata.namespace || spec.namespace;
  }
  return objects;
}

// ---------------------------------------------------------------------------------------------
// Assembly (tiltfile_state.go assembleK8sV2)
// ---------------------------------------------------------------------------------------------

export interface TiltResource {
  name: string;
  type: 'k8s' | 'local' | 'helm_resource' | 'helm_repo';
  objects: Entity[];
  resourceDeps: string[];
  labels: string[];
  /** The image builds (docker_build refs) this resource's workload uses. */
  images: string[];
}

export interface Assembly {
  resources: Map<string, TiltResource>;
  /** Objects no resource claimed (Tilt's "uncategorized" resource). */
  uncategorized: Entity[];
  /** docker_build refs that no workload uses (Tilt warns; the tests treat it as a failure). */
  unmatchedImages: string[];
  calls: Call[];
}

interface PodTemplateView {
  labels: Record<string, string>;
  images: string[];
}

/** Pod templates Tilt finds in typed objects (a Pod, or any kind with spec.template). */
function podTemplates(o: K8sObject): PodTemplateView[] {
  type Spec = { containers?: { image?: string }[]; initContainers?: { image?: string }[] };
  const view = (labels: Record<string, string> | undefined, spec: Spec | undefined) => ({
    labels: labels ?? {},
    images: [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
      .map((c) => c.image ?? '')
      .filter(Boolean),
  });
  if (o.kind === 'Pod') return [view(o.metadata.labels, o.spec as Spec)];
  const spec = o.spec as
    | {
        template?: { metadata?: { labels?: Record<string, string> }; spec?: Spec };
        jobTemplate?: {
          spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: Spec } };
        };
      }
    | undefined;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind)) {
    return spec?.template ? [view(spec.template.metadata?.labels, spec.template.spec)] : [];
  }
  if (o.kind === 'CronJob') {
    const t = spec?.jobTemplate?.spec?.template;
    return t ? [view(t.metadata?.labels, t.spec)] : [];
  }
  return [];
}

/** docker.io/library normalisation, tag and digest dropped: how Tilt compares image names. */
function imageName(ref: string): string {
  let name = ref.split('@')[0] ?? ref;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  if (colon >= 0) name = name.slice(0, colon);
  const first = name.split('/')[0] ?? '';
  const hasRegistry =
    name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  return name;
}

/** Service.spec.selector ⊆ labels (an empty selector matches anything, as in Tilt). */
function serviceMatches(service: K8sObject, labels: Record<string, string>): boolean {
  if (service.kind !== 'Service' || service.apiVersion !== 'v1') return false;
  const sel = (service.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Applies Tilt's assembly to the recorded calls; throws TiltError where Tilt would fail. */
export function assemble(run: TiltfileRun): Assembly {
  if (run.error) throw new TiltError(run.error);
  const calls = run.calls;
  const of = (fn: string): Call[] => calls.filter((c) => c.fn === fn);

  // k8s_yaml: every object, duplicates rejected (k8sObjectIndex.Append).
  let unresourced: Entity[] = [];
  const seen = new Set<string>();
  for (const call of of('k8s_yaml')) {
    for (const input of call.yaml as YamlInput[]) {
      const objects = input.helm
        ? renderHelm(input.helm)
        : parseYaml(input.blob ?? '', input.source);
      if (objects.length === 0) throw new TiltError('Empty or Invalid YAML Resource Detected');
      for (const o of objects) {
        const e = entity(o);
        const key = potentialNames(e).at(-1) ?? '';
        if (seen.has(key) && call.allow_duplicates !== true)
          throw new TiltError(`Duplicate YAML Entity: ${fullName(e)}`);
        seen.add(key);
        unresourced.push(e);
      }
    }
  }
  const allEntities = [...unresourced];

  const kindSelectors = of('k8s_kind').map((c) =>
    partialMatchSelector(str(c.api_version), str(c.kind)),
  );
  const builds = of('docker_build').map((c) => str(c.ref));
  const buildFor = (image: string): string | undefined =>
    builds.find((ref) => imageName(ref) === imageName(image));

  const resources = new Map<string, TiltResource>();
  const makeResource = (name: string, type: TiltResource['type']): TiltResource => {
    if (resources.has(name)) throw new TiltError(`k8s_resource named "${name}" already exists`);
    const r: TiltResource = { name, type, objects: [], resourceDeps: [], labels: [], images: [] };
    resources.set(name, r);
    return r;
  };

  // assembleK8sByWorkload: k8s_kind matches, and anything with a container image.
  const isWorkload = (e: Entity): boolean =>
    kindSelectors.some((s) => s.matches(e)) ||
    podTemplates(e.object).some((t) => t.images.length > 0);
  const workloads = unresourced.filter(isWorkload);
  unresourced = unresourced.filter((e) => !isWorkload(e));

  const counts = new Map<string, number>();
  for (const w of workloads)
    for (const n of potentialNames(w)) counts.set(n, (counts.get(n) ?? 0) + 1);
  for (const w of workloads) {
    const name = potentialNames(w).find((n) => counts.get(n) === 1);
    if (!name) throw new TiltError(`Duplicate YAML Entity(s): [${fullName(w)}]`);
    const r = makeResource(name, 'k8s');
    r.objects.push(w);
    for (const template of podTemplates(w.object)) {
      for (const image of template.images) {
        const ref = buildFor(image);
        if (ref && !r.images.includes(ref)) r.images.push(ref);
      }
      const [matched, rest] = [
        unresourced.filter((e) => serviceMatches(e.object, template.labels)),
        unresourced.filter((e) => !serviceMatches(e.object, template.labels)),
      ];
      r.objects.push(...matched);
      unresourced = rest;
    }
  }

  // k8s_resource options, in call order (Tilt iterates a Go map: the order varies, the verdict
  // on a conflict does not).
  const fragments = new Map<string, Entity[]>();
  for (const e of allEntities)
    for (const n of potentialNames(e)) fragments.set(n, [...(fragments.get(n) ?? []), e]);
  const optionsFor = new Set<string>();
  for (const call of of('k8s_resource')) {
    const workload = str(call.workload);
    const newName = str(call.new_name);
    const objects = strings(call.objects);
    const key = workload || newName;
    if (optionsFor.has(key)) throw new TiltError(`k8s_resource already called for ${key}`);
    optionsFor.add(key);
    if (!workload && objects.length === 0)
      throw new TiltError("k8s_resource doesn't specify a workload or any objects");
    if (!workload && !newName)
      throw new TiltError(
        "k8s_resource has only non-workload objects but doesn't provide a new_name",
      );

    let r: TiltResource | undefined;
    if (!workload) r = makeResource(newName, 'k8s');
    else r = resources.get(workload);
    if (!r) {
      throw new TiltError(
        `k8s_resource specified unknown resource "${workload}". known resources: ${[...resources.keys()].join(', ')}`,
      );
    }
    r.resourceDeps = strings(call.resource_deps);
    r.labels = strings(call.labels);
    if (newName && newName !== r.name) {
      if (resources.has(newName)) {
        throw new TiltError(
          `k8s_resource specified to rename "${r.name}" to "${newName}", but there already exists a resource with that name`,
        );
      }
      resources.delete(r.name);
      r.name = newName;
      resources.set(newName, r);
    }
    for (const fragment of objects) {
      const candidates = fragments.get(fragment.toLowerCase()) ?? [];
      if (candidates.length === 0) {
        throw new TiltError(
          `No object identified by the fragment "${fragment}" could be found. Possible objects are: ${allEntities.map(fullName).join(', ')}`,
        );
      }
      if (candidates.length > 1) {
        throw new TiltError(
          `"${fragment}" is not a unique fragment. Objects that match "${fragment}" are ${candidates.map(fullName).join(', ')}`,
        );
      }
      const sel = fragmentSelector(fragment);
      const remaining = unresourced.filter((e) => sel.matches(e));
      if (remaining.length === 0) {
        throw new TiltError(
          `No object identified by the fragment "${fragment}" could be found in remaining YAML. Valid remaining fragments are: ${unresourced.map(fullName).join(', ')}`,
        );
      }
      const [taken] = remaining as [Entity];
      r.objects.push(taken);
      unresourced = unresourced.filter((e) => e !== taken);
    }
  }
  for (const r of resources.values()) {
    if (r.objects.length === 0)
      throw new TiltError(
        `resource "${r.name}": could not associate any k8s YAML with this resource`,
      );
  }

  // The other resource kinds share the one namespace of resource names.
  const addOther = (name: string, type: TiltResource['type'], call: Call): void => {
    if (resources.has(name)) throw new TiltError(`resource named "${name}" already exists`);
    resources.set(name, {
      name,
      type,
      objects: [],
      resourceDeps: strings(call.resource_deps),
      labels: strings(call.labels),
      images: [],
    });
  };
  for (const call of of('local_resource')) addOther(str(call.name), 'local', call);
  for (const call of of('helm_repo')) addOther(str(call.name), 'helm_repo', call);
  for (const call of of('helm_resource')) addOther(str(call.name), 'helm_resource', call);

  // validateResourceDependencies: deps exist, no self-dependency, no cycle.
  for (const r of resources.values()) {
    for (const dep of r.resourceDeps) {
      if (dep === r.name)
        throw new TiltError(`resource ${r.name} specified a dependency on itself`);
      if (!resources.has(dep))
        throw new TiltError(`resource ${r.name} specified a dependency on unknown resource ${dep}`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new TiltError(
        `cycle detected in resource dependency graph: ${[...path, name].join(' -> ')}`,
      );
    state.set(name, 'visiting');
    for (const dep of resources.get(name)?.resourceDeps ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of resources.keys()) visit(name, []);

  const used = new Set([...resources.values()].flatMap((r) => r.images));
  return {
    resources,
    uncategorized: unresourced,
    unmatchedImages: builds.filter((ref) => !used.has(ref)),
    calls,
  };
}

/** Every resource a resource waits for, transitively. */
export function transitiveDeps(assembly: Assembly, name: string): Set<string> {
  const out = new Set<string>();
  const walk = (n: string): void => {
    for (const dep of assembly.resources.get(n)?.resourceDeps ?? []) {
      if (!out.has(dep)) {
        out.add(dep);
        walk(dep);
      }
    }
  };
  walk(name);
  return out;
}
