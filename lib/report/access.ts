/**
 * Who may read, write or administer each data store, computed from the synthesized identity
 * policies (AWS::IAM::Policy, Role inline policies, customer managed policies attached to roles)
 * and resource policies (bucket, key, topic, queue, table policies).
 */
import { STORE_SERVICE, STORE_TYPES, type StoreKind } from './stores';
import {
  asArray,
  type CfnTemplateJson,
  flatten,
  isObject,
  type Json,
  type JsonObject,
  prop,
  referencedLogicalIds,
} from './template';

/** Coarse access level of an IAM action on a data store. */
export type AccessLevel = 'read' | 'write' | 'admin';

/** One principal's access to one store, merged over all statements that grant it. */
export interface AccessGrant {
  /** Principal as shown to a reviewer: `role:<LogicalId>`, `service:<principal>`, `account:<arn>`, `*`. */
  readonly principal: string;
  /** Logical id of the store. */
  readonly store: string;
  /** Levels granted, sorted. */
  readonly levels: readonly AccessLevel[];
  /** Actions granted, sorted. */
  readonly actions: readonly string[];
  /** Where the grant comes from (`identity:<PolicyLogicalId>` or `resource:<PolicyLogicalId>`). */
  readonly sources: readonly string[];
  /** True when at least one granting statement used `Resource: "*"` (or `NotAction`). */
  readonly wildcard: boolean;
  /** True when every granting statement carries a `Condition`. */
  readonly conditional: boolean;
}

/** An IAM role of the template with who assumes it and which resources use it. */
export interface PrincipalFacts {
  readonly principal: string;
  /** Principals trusted by the role's assume-role policy. */
  readonly trustedBy: readonly string[];
  /** Logical ids of resources that reference the role (functions, streams, models). */
  readonly usedBy: readonly string[];
  /** AWS managed policies attached (not analysed; listed for the reviewer). */
  readonly awsManagedPolicies: readonly string[];
}

const READ_VERBS =
  /^(Get|List|Describe|Query|Scan|BatchGet|Select|Decrypt|Receive|Verify|ConditionCheck|Head|Filter|Subscribe|Start(Query|LiveTail)|StopQuery|Test|Export)/;
const ADMIN_WORDS =
  /(Policy|Acl|Configuration|Encryption|Lifecycle|Replication|Versioning|PublicAccessBlock|Grant|KeyDeletion|DisableKey|EnableKey|Rotation|Ownership|Attributes|Permission|TimeToLive|ContinuousBackups|Tagging|Tag|Retention|SubscriptionFilter|DataProtection|ObjectLock|Delete(Bucket|Table|LogGroup|Topic|Queue|DeliveryStream|EndpointConfig)$|Create(Table|Bucket|LogGroup|Topic|Queue|Key|Alias)$|UpdateTable|Update(Key|Alias)|Restore|Import)/;

/** Classifies one IAM action (`service:Verb...`, wildcards allowed) as read, write or admin. */
export function classifyAction(action: string): AccessLevel {
  const verb = action.includes(':') ? action.slice(action.indexOf(':') + 1) : action;
  if (verb === '*' || verb === '') return 'admin';
  if (/^(Get|List|Describe|Head)/.test(verb)) return 'read';
  if (/^(Put|Delete)Object(Version)?(Tagging|Retention|LegalHold)$/.test(verb)) return 'write';
  if (ADMIN_WORDS.test(verb)) return 'admin';
  if (READ_VERBS.test(verb)) return 'read';
  if (verb.startsWith('*')) return 'admin';
  return 'write';
}

/** True when `action` (possibly with wildcards) can apply to the IAM service prefix `service`. */
function actionAppliesTo(action: string, service: string): boolean {
  if (action === '*') return true;
  const prefix = action.split(':')[0] ?? '';
  return new RegExp(`^${prefix.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(
    service,
  );
}

interface RawGrant {
  readonly principal: string;
  readonly store: string;
  readonly actions: readonly string[];
  readonly source: string;
  readonly wildcard: boolean;
  readonly conditional: boolean;
}

export interface Statement {
  readonly effect: string;
  readonly actions: readonly string[];
  readonly notAction: boolean;
  readonly resources: readonly Json[];
  readonly conditional: boolean;
  readonly principal: Json | undefined;
}

export function statementsOf(document: Json | undefined): Statement[] {
  return asArray(prop(document, 'Statement'))
    .filter(isObject)
    .map((s) => ({
      effect: String(s['Effect'] ?? 'Allow'),
      actions: asArray(s['Action'] ?? s['NotAction']).map((a) => String(a)),
      notAction: s['NotAction'] !== undefined,
      resources: asArray(s['Resource'] ?? (s['NotResource'] !== undefined ? '*' : undefined)),
      conditional: s['Condition'] !== undefined,
      principal: s['Principal'],
    }));
}

/** Store logical id → kind, for every store of the template. */
function storesOf(template: CfnTemplateJson): Map<string, StoreKind> {
  const out = new Map<string, StoreKind>();
  for (const [id, res] of Object.entries(template.Resources)) {
    const kind = STORE_TYPES[res.Type];
    if (kind !== undefined) out.set(id, kind);
  }
  return out;
}

/** Grants of one identity-policy statement to one principal. */
function identityGrants(
  principal: string,
  statement: Statement,
  stores: ReadonlyMap<string, StoreKind>,
  source: string,
): RawGrant[] {
  if (statement.effect !== 'Allow') return [];
  const out: RawGrant[] = [];
  for (const resource of statement.resources) {
    const wildcard = resource === '*' || statement.notAction;
    const targets = wildcard
      ? [...stores.keys()]
      : [...referencedLogicalIds(resource)].filter((id) => stores.has(id));
    for (const store of targets) {
      const service = STORE_SERVICE[stores.get(store) as StoreKind];
      const actions = statement.notAction
        ? [`NotAction(${statement.actions.join(',')})`]
        : statement.actions.filter((a) => actionAppliesTo(a, service));
      if (actions.length > 0) {
        out.push({ principal, store, actions, source, wildcard, conditional: statement.conditional });
      }
    }
  }
  return out;
}

/** Display names of the principals in a resource policy statement's `Principal`. */
export function principalNames(principal: Json | undefined, template: CfnTemplateJson): string[] {
  if (principal === '*') return ['*'];
  if (!isObject(principal)) return [];
  return Object.entries(principal).flatMap(([kind, value]) =>
    asArray(value).map((v) => {
      const local = [...referencedLogicalIds(v)].find(
        (id) => template.Resources[id]?.Type === 'AWS::IAM::Role',
      );
      if (local !== undefined) return `role:${local}`;
      const text = flatten(v) ?? JSON.stringify(v);
      if (kind === 'Service') return `service:${text}`;
      if (text === '*') return '*';
      if (/^arn:[^:]*:iam::[^:]*:root$/.test(text))
        return `account:${text.split(':')[4]} (root: delegates to IAM policies)`;
      return `${kind.toLowerCase()}:${text}`;
    }),
  );
}

/** Identity policies: (principal, document, source) triples for roles, users and groups. */
export function identityDocuments(
  template: CfnTemplateJson,
): { principal: string; document: Json; source: string }[] {
  const out: { principal: string; document: Json; source: string }[] = [];
  const attachedTo = (props: JsonObject | undefined): string[] =>
    (['Roles', 'Users', 'Groups'] as const).flatMap((key) =>
      asArray(props?.[key]).map((v) => {
        const id = [...referencedLogicalIds(v)][0];
        return `${key.slice(0, -1).toLowerCase()}:${id ?? flatten(v) ?? '?'}`;
      }),
    );
  for (const [id, res] of Object.entries(template.Resources)) {
    const p = res.Properties;
    if (res.Type === 'AWS::IAM::Policy' || res.Type === 'AWS::IAM::ManagedPolicy') {
      for (const principal of attachedTo(p)) {
        out.push({ principal, document: p?.['PolicyDocument'] ?? null, source: `identity:${id}` });
      }
    }
    if (res.Type === 'AWS::IAM::Role') {
      for (const inline of asArray(p?.['Policies'])) {
        out.push({
          principal: `role:${id}`,
          document: prop(inline, 'PolicyDocument') ?? null,
          source: `identity:${id}`,
        });
      }
      for (const arn of asArray(p?.['ManagedPolicyArns'])) {
        for (const mp of referencedLogicalIds(arn)) {
          const managed = template.Resources[mp];
          if (managed?.Type === 'AWS::IAM::ManagedPolicy') {
            out.push({
              principal: `role:${id}`,
              document: managed.Properties?.['PolicyDocument'] ?? null,
              source: `identity:${mp}`,
            });
          }
        }
      }
    }
  }
  return out;
}

/** Resource policies: (store ids, document, source). */
function resourceDocuments(
  template: CfnTemplateJson,
): { stores: string[]; document: Json; source: string }[] {
  const targets: Record<string, string> = {
    'AWS::S3::BucketPolicy': 'Bucket',
    'AWS::SNS::TopicPolicy': 'Topics',
    'AWS::SQS::QueuePolicy': 'Queues',
  };
  const out: { stores: string[]; document: Json; source: string }[] = [];
  for (const [id, res] of Object.entries(template.Resources)) {
    const p = res.Properties;
    const key = targets[res.Type];
    if (key !== undefined) {
      out.push({
        stores: [...referencedLogicalIds(p?.[key])],
        document: p?.['PolicyDocument'] ?? null,
        source: `resource:${id}`,
      });
    } else if (res.Type === 'AWS::KMS::Key') {
      out.push({ stores: [id], document: p?.['KeyPolicy'] ?? null, source: `resource:${id}` });
    } else if (res.Type === 'AWS::DynamoDB::Table' && p?.['ResourcePolicy'] !== undefined) {
      out.push({
        stores: [id],
        document: prop(p['ResourcePolicy'], 'PolicyDocument') ?? null,
        source: `resource:${id}`,
      });
    }
  }
  return out;
}

function merge(raw: readonly RawGrant[]): AccessGrant[] {
  const byKey = new Map<string, RawGrant[]>();
  for (const g of raw) {
    const key = `${g.principal}\u0000${g.store}`;
    byKey.set(key, [...(byKey.get(key) ?? []), g]);
  }
  return [...byKey.values()]
    .map((gs) => {
      const first = gs[0] as RawGrant;
      const actions = [...new Set(gs.flatMap((g) => g.actions))].sort();
      return {
        principal: first.principal,
        store: first.store,
        levels: [...new Set(actions.map(classifyAction))].sort(),
        actions,
        sources: [...new Set(gs.map((g) => g.source))].sort(),
        wildcard: gs.some((g) => g.wildcard),
        conditional: gs.every((g) => g.conditional),
      };
    })
    .sort((a, b) => a.store.localeCompare(b.store) || a.principal.localeCompare(b.principal));
}

/** Every (principal, store) access the template grants, from identity and resource policies. */
export function collectAccess(template: CfnTemplateJson): AccessGrant[] {
  const stores = storesOf(template);
  const raw: RawGrant[] = [];
  for (const { principal, document, source } of identityDocuments(template)) {
    for (const statement of statementsOf(document))
      raw.push(...identityGrants(principal, statement, stores, source));
  }
  for (const { stores: targets, document, source } of resourceDocuments(template)) {
    for (const statement of statementsOf(document)) {
      if (statement.effect !== 'Allow') continue;
      for (const principal of principalNames(statement.principal, template)) {
        for (const store of targets.filter((s) => stores.has(s))) {
          const service = STORE_SERVICE[stores.get(store) as StoreKind];
          const actions = statement.actions.filter((a) => actionAppliesTo(a, service));
          if (actions.length === 0) continue;
          const wildcard = principal === '*' || statement.notAction;
          raw.push({ principal, store, actions, source, wildcard, conditional: statement.conditional });
        }
      }
    }
  }
  return merge(raw);
}

/** Roles of the template: who they trust and which resources use them. */
export function collectPrincipals(template: CfnTemplateJson): PrincipalFacts[] {
  const roles = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
  return roles
    .map(([id, role]) => {
      const trustedBy = statementsOf(role.Properties?.['AssumeRolePolicyDocument']).flatMap((s) =>
        principalNames(s.principal, template),
      );
      const usedBy = Object.entries(template.Resources)
        .filter(
          ([other, r]) =>
            other !== id &&
            !['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(r.Type) &&
            referencedLogicalIds(r.Properties).has(id),
        )
        .map(([other]) => other);
      const awsManagedPolicies = asArray(role.Properties?.['ManagedPolicyArns'])
        .filter((arn) => referencedLogicalIds(arn).size === 0)
        .map((arn) => (flatten(arn) ?? '').replace(/^.*:policy\//, ''));
      return {
        principal: `role:${id}`,
        trustedBy: [...new Set(trustedBy)].sort(),
        usedBy: usedBy.sort(),
        awsManagedPolicies,
      };
    })
    .sort((a, b) => a.principal.localeCompare(b.principal));
}
