/**
 * Minimal, read-only model of a synthesized CloudFormation template plus the pure helpers the
 * residency guard and the compliance report share: walking values, following `Ref` / `Fn::GetAtt`
 * to logical ids, and flattening `Fn::Join` / `Fn::Sub` into one scannable string.
 */

/** Any JSON value as found in a synthesized template. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: Json };

/** One entry of a template's `Resources` section. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: JsonObject;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: JsonObject;
}

/** The parts of a synthesized template the report reads. */
export interface CfnTemplateJson {
  readonly Resources: { readonly [logicalId: string]: CfnResourceJson };
  readonly Outputs?: JsonObject;
  readonly Parameters?: JsonObject;
  readonly Mappings?: JsonObject;
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `key` of `value` when `value` is an object. */
export function prop(value: Json | undefined, key: string): Json | undefined {
  return isObject(value) ? value[key] : undefined;
}

/** The value as an array (a lone value becomes a one-element array, undefined an empty one). */
export function asArray(value: Json | undefined): readonly Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly Json[]) : [value as Json];
}

/**
 * Validates the shape of a parsed template just enough to be walked safely.
 *
 * @throws Error naming `source` when there is no `Resources` object or a resource has no `Type`.
 */
export function parseTemplate(raw: unknown, source: string): CfnTemplateJson {
  if (!isObject(raw) || !isObject(raw['Resources'])) {
    throw new Error(`${source}: not a CloudFormation template (no Resources object)`);
  }
  for (const [id, res] of Object.entries(raw['Resources'])) {
    if (!isObject(res) || typeof res['Type'] !== 'string') {
      throw new Error(`${source}: Resources.${id} has no Type`);
    }
  }
  return raw as unknown as CfnTemplateJson;
}

/** Pseudo parameters that stand for the deploying stack's own account/region/partition. */
const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Region': '{{AWS.Region}}',
  'AWS::Partition': '{{AWS.Partition}}',
  'AWS::AccountId': '{{AWS.AccountId}}',
  'AWS::URLSuffix': '{{AWS.URLSuffix}}',
  'AWS::StackName': '{{AWS.StackName}}',
  'AWS::StackId': '{{AWS.StackId}}',
  'AWS::NoValue': '',
};

/** Placeholder used in flattened strings for the stack's own region (contains no region name). */
export const OWN_REGION_PLACEHOLDER = '{{AWS.Region}}';

/** Placeholder text for a `Ref` (colon-free so flattened ARNs still split on `:`). */
function refPlaceholder(name: string): string {
  return PSEUDO[name] ?? `{{Ref.${name}}}`;
}

/** Flattens a `Fn::Sub` template string, substituting `${...}` references with placeholders. */
function flattenSub(template: string, vars: JsonObject): string {
  return template.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
    if (bang === '!') return '${' + name + '}';
    const bound = vars[name];
    if (bound !== undefined) return flatten(bound) ?? '{{Fn}}';
    if (name.includes('.') && !name.startsWith('AWS::')) return `{{GetAtt.${name}}}`;
    return refPlaceholder(name);
  });
}

/**
 * Flattens a string-valued expression into one string so that an ARN or hostname split across
 * `Fn::Join` / `Fn::Sub` pieces can be recognised. Pseudo parameters and references become
 * colon-free placeholders (`{{AWS.Region}}`, `{{Ref.X}}`, `{{GetAtt.X.Arn}}`); other intrinsics
 * become `{{Fn}}`. Returns undefined for values that are not string-like (objects, arrays, numbers).
 */
export function flatten(value: Json): string | undefined {
  if (typeof value === 'string') return value;
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const ref = value['Ref'];
  if (typeof ref === 'string') return refPlaceholder(ref);
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `{{GetAtt.${getAtt.map(String).join('.')}}}`;
  if (typeof getAtt === 'string') return `{{GetAtt.${getAtt}}}`;
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return (join[1] as readonly Json[]).map((part) => flatten(part) ?? '{{Fn}}').join(join[0]);
  }
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string') return flattenSub(sub, {});
  if (Array.isArray(sub) && typeof sub[0] === 'string') {
    const vars = sub[1];
    return flattenSub(sub[0], isObject(vars) ? vars : {});
  }
  return undefined;
}

/** Logical ids referenced by `Ref`, `Fn::GetAtt` or `${X}` / `${X.Attr}` inside `Fn::Sub`, anywhere in `value`. */
export function referencedLogicalIds(value: Json | undefined): Set<string> {
  const out = new Set<string>();
  const visit = (v: Json | undefined): void => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item);
      return;
    }
    if (!isObject(v)) return;
    const ref = v['Ref'];
    if (typeof ref === 'string' && !ref.startsWith('AWS::')) out.add(ref);
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') out.add(getAtt[0]);
    if (typeof getAtt === 'string') out.add(getAtt.split('.')[0] ?? getAtt);
    const sub = v['Fn::Sub'];
    const subText = typeof sub === 'string' ? sub : Array.isArray(sub) ? sub[0] : undefined;
    if (typeof subText === 'string') {
      for (const m of subText.matchAll(/\$\{([^!}][^}.]*)(?:\.[^}]*)?\}/g)) {
        const name = m[1];
        if (name !== undefined && !name.startsWith('AWS::')) out.add(name);
      }
    }
    for (const child of Object.values(v)) visit(child);
  };
  visit(value);
  return out;
}

/** A leaf string of a template together with where it was found. */
export interface LocatedString {
  /** Dotted path from the resource's root, e.g. `Properties.Policies.0.PolicyDocument`. */
  readonly path: string;
  /** The (flattened) text. */
  readonly text: string;
  /** Name of the innermost object key holding the string (`Region`, `Service`, ...). */
  readonly key: string;
}

/** True for an IAM statement that only restricts (`Effect: Deny`): it cannot move data anywhere. */
function isDenyStatement(value: JsonObject): boolean {
  return value['Effect'] === 'Deny' && ('Action' in value || 'NotAction' in value);
}

/**
 * Every string-like value under `value`, with `Fn::Join` / `Fn::Sub` flattened into one string.
 * IAM `Deny` statements are skipped: naming another region in a deny only narrows access.
 */
export function collectStrings(value: Json | undefined, path = '', key = ''): LocatedString[] {
  if (value === undefined || value === null) return [];
  const flat = flatten(value);
  if (flat !== undefined) return [{ path, text: flat, key }];
  if (Array.isArray(value)) {
    return (value as readonly Json[]).flatMap((item, i) => collectStrings(item, join(path, String(i)), key));
  }
  if (!isObject(value) || isDenyStatement(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => collectStrings(v, join(path, k), k));
}

function join(path: string, segment: string): string {
  return path === '' ? segment : `${path}.${segment}`;
}
