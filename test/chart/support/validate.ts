// Validation of rendered objects:
// - core kinds: the Kubernetes OpenAPI schemas as shipped by kubernetes-models (types, enums,
//   required fields) plus a TypeScript excess-property check against the same package's
//   interfaces, because the runtime validators accept unknown fields and a typo such as
//   `readinesProbe` would otherwise pass;
// - operator kinds: the vendored CRDs' openAPIV3Schema with ajv, every object closed unless the
//   CRD says x-kubernetes-preserve-unknown-fields (the API server would prune unknown fields
//   silently; here they are errors).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import ts from 'typescript';
import { parse } from 'yaml';
import { repoRoot, type K8sObject, id } from './helm.ts';

const CORE_GROUPS = new Set([
  'v1',
  'apps/v1',
  'batch/v1',
  'rbac.authorization.k8s.io/v1',
  'policy/v1',
  'networking.k8s.io/v1',
  'autoscaling/v2',
]);

export function isCoreKind(o: K8sObject): boolean {
  return CORE_GROUPS.has(o.apiVersion);
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

/** kubernetes-models runtime validation; returns error messages. */
export async function validateCore(objects: K8sObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const o of objects.filter(isCoreKind)) {
    let model: ModelClass;
    try {
      const module = (await import(
        /* @vite-ignore */ `kubernetes-models/${o.apiVersion}/${o.kind}`
      )) as Record<string, ModelClass>;
      const ctor = module[o.kind];
      if (!ctor) throw new Error('no such export');
      model = ctor;
    } catch {
      errors.push(`${id(o)}: unknown kind ${o.apiVersion}/${o.kind}`);
      continue;
    }
    try {
      new model(o).validate();
    } catch (error) {
      errors.push(`${id(o)}: ${(error as Error).message}`);
    }
  }
  return errors;
}

const STRICT_CHECK_FILE = join(repoRoot, 'test', 'chart', '__rendered_objects__.ts');

/**
 * Type-checks every core object (and the metadata of every custom resource) as an object literal
 * of its kubernetes-models interface: TypeScript's excess-property check rejects unknown fields
 * at any depth. Returns `<object>: <message>` for each error.
 */
export function strictCoreCheck(objects: K8sObject[]): string[] {
  const lines = [
    "import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';",
    "type IObjectMeta = NonNullable<IConfigMap['metadata']>;",
  ];
  const owners: string[] = [];
  objects.forEach((o, i) => {
    if (isCoreKind(o)) {
      const typeName = `I${o.kind}`;
      lines.push(
        `import type { ${typeName} as T${i} } from 'kubernetes-models/${o.apiVersion}/${o.kind}';`,
      );
      lines.push(`export const o${i}: T${i} = ${JSON.stringify(o)};`);
    } else {
      lines.push(`export const o${i}: IObjectMeta = ${JSON.stringify(o.metadata)};`);
    }
    owners.push(id(o));
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === STRICT_CHECK_FILE || fileExists(file);
  host.getSourceFile = (file, language, ...rest) =>
    file === STRICT_CHECK_FILE
      ? ts.createSourceFile(file, source, language)
      : getSourceFile(file, language, ...rest);
  const program = ts.createProgram([STRICT_CHECK_FILE], options, host);
  const sourceFile = program.getSourceFile(STRICT_CHECK_FILE);
  if (!sourceFile) throw new Error('the strict check source was not loaded');
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === sourceFile)
    .map((d) => {
      const line =
        d.start === undefined ? -1 : sourceFile.getLineAndCharacterOfPosition(d.start).line;
      const match = /^export const o(\d+)/.exec(source.split('\n')[line] ?? '');
      const owner = match ? owners[Number(match[1])] : 'imports';
      return `${owner}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
}

type JsonSchema = Record<string, unknown>;

/** Closes every object schema that does not explicitly allow unknown fields. */
export function closeSchema(schema: JsonSchema, atRoot = false): JsonSchema {
  const out: JsonSchema = { ...schema };
  const preserve = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && typeof out.properties === 'object') {
    const properties: Record<string, JsonSchema> = {};
    for (const [key, value] of Object.entries(out.properties as Record<string, JsonSchema>)) {
      // The API server validates metadata itself (ObjectMeta); CRDs only declare it as object.
      properties[key] = atRoot && key === 'metadata' ? { type: 'object' } : closeSchema(value);
    }
    out.properties = properties;
  }
  if (out.items && typeof out.items === 'object') out.items = closeSchema(out.items as JsonSchema);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') {
    out.additionalProperties = closeSchema(out.additionalProperties as JsonSchema);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as JsonSchema[]).map((s) => closeSchema(s));
  }
  const isObject =
    out.type === 'object' || (out.properties !== undefined && out.type === undefined);
  const embedded = out['x-kubernetes-embedded-resource'] === true;
  if (isObject && !preserve && !embedded && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

interface CrdVersion {
  name: string;
  served: boolean;
  deprecated?: boolean;
  schema: { openAPIV3Schema: JsonSchema };
}
interface Crd {
  spec: { group: string; names: { kind: string }; versions: CrdVersion[] };
}

export const crdDir = join(repoRoot, 'k8s', 'crds');

export function loadCrds(): Crd[] {
  return readdirSync(crdDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => parse(readFileSync(join(crdDir, file), 'utf8')) as Crd);
}

/**
 * CRD patterns are Go (RE2) regular expressions. The only RE2 construct in the vendored CRDs that
 * JavaScript lacks is a case-insensitivity flag group, (?i), at the start; anything else that
 * does not compile is an error rather than a silently skipped pattern.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const flagGroup = /^(\^?)\(\?i\)/.exec(pattern);
    if (flagGroup)
      return new RegExp(`${flagGroup[1] ?? ''}${pattern.slice(flagGroup[0].length)}`, `${flags}i`);
    return new RegExp(pattern, flags);
  },
  // Only used by ajv's standalone code generation, which these tests do not use.
  { code: 'goRegExp' },
);

export class CrdValidator {
  private readonly ajv = new Ajv({
    strict: false,
    allErrors: true,
    // Formats (int32, date-time, ...) are the API server's business; structure is ours.
    validateFormats: false,
    code: { regExp: goRegExp },
  });
  private readonly validators = new Map<string, ValidateFunction | string>();

  constructor(crds: Crd[] = loadCrds()) {
    for (const crd of crds) {
      for (const version of crd.spec.versions) {
        const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
        if (!version.served) this.validators.set(key, `${key} is not served by the CRD`);
        else if (version.deprecated) this.validators.set(key, `${key} is deprecated`);
        else
          this.validators.set(
            key,
            this.ajv.compile(closeSchema(version.schema.openAPIV3Schema, true)),
          );
      }
    }
  }

  knows(o: K8sObject): boolean {
    return [...this.validators.keys()].some(
      (key) => key.startsWith(`${o.apiVersion.split('/')[0]}/`) && key.endsWith(`/${o.kind}`),
    );
  }

  /** Error messages; an object of an unknown group/version/kind is an error too. */
  validate(o: K8sObject): string[] {
    const validator = this.validators.get(`${o.apiVersion}/${o.kind}`);
    if (validator === undefined) return [`${id(o)}: no CRD serves ${o.apiVersion} ${o.kind}`];
    if (typeof validator === 'string') return [`${id(o)}: ${validator}`];
    if (validator(o)) return [];
    return (validator.errors ?? []).map((e) => {
      const extra =
        e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
      return `${id(o)}: ${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
    });
  }
}
