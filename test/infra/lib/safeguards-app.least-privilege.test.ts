import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TABLE_LOGICAL_IDS } from '../../../lib/constructs/enforcement-tables';
import { KEY_POLICY_SIDS, KMS_ADMIN_ACTIONS, RegionalKeys } from '../../../lib/constructs/keys';
import { makeApp, type RegionTemplates, regionTemplates, testConfig } from '../helpers';

process.env['CDK_VALIDATION'] = 'false';

type Json = { [k: string]: unknown };
interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: { [op: string]: { [key: string]: unknown } };
}
type Resources = { [id: string]: { Type: string; Properties?: Json; DependsOn?: string | string[] } };

const actionsOf = (s: Statement): string[] => [s.Action].flat();
const keyPolicy = (key: Resources[string]): Statement[] =>
  (key.Properties?.['KeyPolicy'] as { Statement?: Statement[] } | undefined)?.Statement ?? [];
const asList = (x: unknown): unknown[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
const allows = (patterns: readonly string[], action: string): boolean =>
  patterns.some((p) => glob(p).test(action));

/** Every KMS operation that uses key material or hands its use out (concrete names, so wildcards are caught). */
const KEY_USE = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateMac',
  'kms:VerifyMac',
  'kms:Sign',
  'kms:Verify',
  'kms:DeriveSharedSecret',
  'kms:CreateGrant',
];

const getAttArn = (x: unknown): string | undefined => {
  const att = (x as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  return att && att[1] === 'Arn' ? att[0] : undefined;
};
/** The account principal, literal or `Fn::Join` (`arn:…:iam::<account>:root`). */
const isAccountRoot = (x: unknown): boolean => JSON.stringify(x).includes(':root"');

/** Identity-policy statements per role: inline, default and managed policies attached to it. */
const roleStatements = (resources: Resources): Map<string, Statement[]> => {
  const out = new Map<string, Statement[]>();
  const add = (role: string, doc: unknown) =>
    out.set(role, [...(out.get(role) ?? []), ...(((doc as Json)?.['Statement'] as Statement[]) ?? [])]);
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Role') {
      out.set(id, out.get(id) ?? []);
      for (const inline of asList(p['Policies'])) add(id, (inline as Json)['PolicyDocument']);
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      for (const role of asList(p['Roles'])) {
        const ref = (role as { Ref?: string }).Ref;
        if (ref) add(ref, p['PolicyDocument']);
      }
    }
  }
  return out;
};

/**
 * What is wrong with the key policies of a template: administration mixed with use, use handed to the account or
 * anyone instead of named roles, an identity grant the key policy does not back (it would not work), a key-policy
 * use no identity policy asks for. Empty when administration and use are separated.
 */
const keyPolicyViolations = (resources: Resources): string[] => {
  const problems: string[] = [];
  const roles = roleStatements(resources);
  for (const [keyId, key] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::KMS::Key')) {
    const statements = keyPolicy(key);
    const admin = statements.find((s) => s.Sid === KEY_POLICY_SIDS.administration);
    if (!admin) problems.push(`${keyId}: no administration statement`);
    for (const s of statements.filter((x) => x.Effect === 'Allow')) {
      const aws = asList((s.Principal as { AWS?: unknown } | undefined)?.AWS);
      const use = KEY_USE.filter((a) => allows(actionsOf(s), a));
      if (s.Principal === '*' || aws.includes('*')) problems.push(`${keyId}/${s.Sid}: allows anyone`);
      if (aws.some(isAccountRoot)) {
        const grantsForResources =
          use.length === 1 &&
          use[0] === 'kms:CreateGrant' &&
          s.Condition?.['Bool']?.['kms:GrantIsForAWSResource'] === 'true';
        // A CMK-encrypted secret: the account may use the key only through Secrets Manager in this region.
        const viaSecretsManager = /^secretsmanager\.[a-z0-9-]+\.amazonaws\.com$/.test(
          String(s.Condition?.['StringEquals']?.['kms:ViaService'] ?? ''),
        );
        if (use.length > 0 && !grantsForResources && !viaSecretsManager)
          problems.push(
            `${keyId}/${s.Sid ?? '(no sid)'}: the account is allowed key use (${use.join(', ')})`,
          );
      } else if (use.length > 0) {
        for (const p of aws) {
          const role = getAttArn(p);
          if (!role || resources[role]?.Type !== 'AWS::IAM::Role')
            problems.push(`${keyId}/${s.Sid}: key use for ${JSON.stringify(p)}, not a role of this stack`);
        }
      }
    }
    const keyPolicyAllows = (role: string, action: string): boolean =>
      statements.some((s) => {
        if (s.Effect !== 'Allow' || !allows(actionsOf(s), action)) return false;
        const aws = asList((s.Principal as { AWS?: unknown } | undefined)?.AWS);
        if (aws.some((p) => getAttArn(p) === role)) return true;
        return (
          action === 'kms:CreateGrant' &&
          aws.some(isAccountRoot) &&
          s.Condition?.['Bool']?.['kms:GrantIsForAWSResource'] === 'true'
        );
      });
    for (const [role, docs] of roles) {
      const onKey = docs.filter(
        (s) => s.Effect === 'Allow' && asList(s.Resource).some((r) => getAttArn(r) === keyId),
      );
      for (const action of KEY_USE.filter((a) => onKey.some((s) => allows(actionsOf(s), a)))) {
        if (!keyPolicyAllows(role, action))
          problems.push(
            `${keyId}: ${role} is granted ${action} by IAM, but the key policy does not allow it`,
          );
      }
    }
    for (const s of statements.filter((x) => x.Effect === 'Allow')) {
      for (const role of asList((s.Principal as { AWS?: unknown } | undefined)?.AWS).map(getAttArn)) {
        if (!role) continue;
        const identity = (roles.get(role) ?? []).filter(
          (x) => x.Effect === 'Allow' && asList(x.Resource).some((r) => getAttArn(r) === keyId),
        );
        for (const action of KEY_USE.filter((a) => allows(actionsOf(s), a))) {
          if (!identity.some((x) => allows(actionsOf(x), action)))
            problems.push(`${keyId}/${s.Sid}: names ${role} for ${action}, which its own policies never use`);
        }
      }
    }
  }
  return problems;
};

/** Logical ids a resource refers to (Ref, Fn::GetAtt, DependsOn). */
const references = (r: Resources[string]): Set<string> => {
  const out = new Set<string>(asList(r.DependsOn) as string[]);
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) {
        if (k === 'Ref' && typeof v === 'string') out.add(v);
        else if (k === 'Fn::GetAtt' && Array.isArray(v)) out.add(v[0] as string);
        else walk(v);
      }
    }
  };
  walk(r.Properties);
  return out;
};

/** A dependency cycle among the resources (CloudFormation refuses such a template), or undefined. */
const dependencyCycle = (resources: Resources): string[] | undefined => {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done' || !resources[id]) return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of references(resources[id]!)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(resources)) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
};

let templates: RegionTemplates;
const resourcesOf = (region: string): Resources => templates(region).toJSON()['Resources'] as Resources;

beforeAll(() => {
  templates = regionTemplates(testConfig());
});

describe('KMS key policies separate key administration from key use', () => {
  test.each(['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-southeast-2'])(
    '%s: administrators manage only, named roles use, every IAM key grant is backed by the key policy',
    (region) => {
      const resources = resourcesOf(region);
      expect(keyPolicyViolations(resources)).toEqual([]);
      const keys = Object.values(resources).filter((r) => r.Type === 'AWS::KMS::Key');
      expect(keys).toHaveLength(2);
      for (const key of keys) {
        const statements = keyPolicy(key);
        const admin = statements.find((s) => s.Sid === KEY_POLICY_SIDS.administration)!;
        expect(actionsOf(admin).sort()).toEqual([...KMS_ADMIN_ACTIONS].sort());
        expect(KEY_USE.filter((a) => allows(actionsOf(admin), a))).toEqual([]);
        // CDK's default statement (account root, kms:*) is gone.
        expect(statements.some((s) => actionsOf(s).includes('kms:*'))).toBe(false);
        // Grants only for AWS resources (CT.KMS.PR.3), for the account.
        const grants = statements.find((s) => s.Sid === KEY_POLICY_SIDS.grantsForAwsResources)!;
        expect(actionsOf(grants)).toEqual(['kms:CreateGrant']);
        expect(grants.Condition?.['Bool']).toEqual({ 'kms:GrantIsForAWSResource': 'true' });
      }
    },
  );

  test('the serving roles are named in the data key policy with exactly what they were granted', () => {
    const resources = resourcesOf('eu-west-1');
    const dataKey = Object.entries(resources).find(([id]) => id.startsWith('KeysDataKey'))![1];
    const statements = keyPolicy(dataKey);
    const use = statements.filter((s) => s.Sid?.startsWith(KEY_POLICY_SIDS.use));
    const named = new Set(
      use.flatMap((s) =>
        asList((s.Principal as { AWS: unknown }).AWS).map((p) => getAttArn(p)!.replace(/[0-9A-F]{8}$/, '')),
      ),
    );
    expect([...named].sort()).toEqual(
      [
        // The canary reads its generated key's secret; the canary tenant's function reads it and writes its hash.
        'CanaryRole',
        'CanaryTenantRole',
        'ClassifierExecutionRole',
        'OperatorApiHandlerRole',
        'ServingAuthorizerRole',
        'ServingProxyRole',
        'TelemetryDeliveryRole',
        'TelemetryDeliveryStreamServiceRole',
      ].sort(),
    );
  });

  test('configured key administrators replace the account in the administration statement, still without use', () => {
    const config = testConfig();
    const admin = `arn:aws:iam::${config.account}:role/KeyAdmin`;
    const resources = regionTemplates({
      ...config,
      regions: [config.regions[0]!],
      keyAdministratorRoleArns: [admin],
    })(config.regions[0]!.region).toJSON()['Resources'] as Resources;
    expect(keyPolicyViolations(resources)).toEqual([]);
    for (const key of Object.values(resources).filter((r) => r.Type === 'AWS::KMS::Key')) {
      const statements = keyPolicy(key);
      expect(statements.find((s) => s.Sid === KEY_POLICY_SIDS.administration)?.Principal).toEqual({
        AWS: admin,
      });
      expect(statements.filter((s) => JSON.stringify(s.Principal).includes(admin))).toHaveLength(1);
    }
  });

  test('no dependency cycle (the key policy refers to roles whose policies refer to the key)', () => {
    for (const region of templates.regions) expect(dependencyCycle(resourcesOf(region))).toBeUndefined();
  });

  test('the check can fail: CDK’s default key policy gives the account kms:*', () => {
    const stack = new Stack(makeApp(), 'Bare', { env: { account: '111111111111', region: 'eu-west-1' } });
    const role = new iam.Role(stack, 'User', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new kms.Key(stack, 'Key').grantDecrypt(role);
    const problems = keyPolicyViolations(Template.fromStack(stack).toJSON()['Resources'] as Resources);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/no administration statement/),
        expect.stringMatching(/the account is allowed key use \(kms:Encrypt, kms:Decrypt/),
      ]),
    );
  });

  test('the check can fail: an IAM key grant the key policy does not back', () => {
    const stack = new Stack(makeApp(), 'Unbacked', { env: { account: '111111111111', region: 'eu-west-1' } });
    const keys = new RegionalKeys(stack, 'Keys');
    const role = new iam.Role(stack, 'User', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [keys.dataKey.keyArn] }),
    );
    expect(keyPolicyViolations(Template.fromStack(stack).toJSON()['Resources'] as Resources)).toEqual([
      expect.stringMatching(/User\w+ is granted kms:Decrypt by IAM, but the key policy does not allow it/),
    ]);
  });

  test.each([
    [
      'an imported role',
      (s: Stack) => iam.Role.fromRoleArn(s, 'Imported', 'arn:aws:iam::111111111111:role/x'),
    ],
    ['a managed policy', (s: Stack) => new iam.ManagedPolicy(s, 'Policy')],
    ['the account', () => new iam.AccountRootPrincipal()],
  ])('key use granted to %s is refused at synth', (_, grantee) => {
    const stack = new Stack(makeApp(), 'Refused', { env: { account: '111111111111', region: 'eu-west-1' } });
    const keys = new RegionalKeys(stack, 'Keys');
    const principal = grantee(stack);
    const grantable: iam.IGrantable =
      'grantPrincipal' in principal ? principal : { grantPrincipal: principal };
    expect(() => keys.grantEncryptDecrypt(grantable)).toThrow(
      /key use can only be granted to a role of this stack/,
    );
  });
});

describe('the SageMaker execution role logs only to its own endpoint log group', () => {
  test.each(['eu-west-1', 'eu-central-1', 'us-east-1'])(
    '%s: the stack creates /aws/sagemaker/Endpoints/<endpoint>, encrypted, with retention; the role writes there only',
    (region) => {
      const resources = resourcesOf(region);
      const [endpointId, endpoint] = Object.entries(resources).find(
        ([, r]) => r.Type === 'AWS::SageMaker::Endpoint',
      )!;
      const name = endpoint.Properties?.['EndpointName'];
      expect(typeof name).toBe('string');
      const groups = Object.entries(resources).filter(
        ([, r]) =>
          r.Type === 'AWS::Logs::LogGroup' &&
          r.Properties?.['LogGroupName'] === `/aws/sagemaker/Endpoints/${name}`,
      );
      expect(groups).toHaveLength(1);
      const [groupId, group] = groups[0]!;
      expect(getAttArn(group.Properties?.['KmsKeyId'])).toMatch(/^KeysDataKey/);
      expect(group.Properties?.['RetentionInDays']).toEqual(expect.any(Number));
      expect(asList(resources[endpointId]!.DependsOn)).toContain(groupId);

      const model = Object.values(resources).find((r) => r.Type === 'AWS::SageMaker::Model')!;
      const role = getAttArn(model.Properties?.['ExecutionRoleArn'])!;
      const logStatements = (roleStatements(resources).get(role) ?? []).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('logs:') || a === '*'),
      );
      expect(logStatements.length).toBeGreaterThan(0);
      for (const s of logStatements) {
        for (const r of asList(s.Resource)) {
          // Every resource is this group (by reference) or its streams; nothing else, no `*`.
          expect(JSON.stringify(r)).toContain(JSON.stringify({ Ref: groupId }));
          expect(JSON.stringify(r).replace(':log-stream:*', '')).not.toContain('*');
        }
      }
    },
  );

  test.each(['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-southeast-2'])(
    '%s: no role may use CloudWatch Logs on every resource, and no logs:* action',
    (region) => {
      for (const [role, statements] of roleStatements(resourcesOf(region))) {
        for (const s of statements.filter((x) => x.Effect === 'Allow')) {
          const logs = actionsOf(s).filter((a) => a === '*' || a.toLowerCase().startsWith('logs:'));
          expect({ role, logs: logs.filter((a) => a.endsWith('*')) }).toEqual({ role, logs: [] });
          if (logs.length > 0)
            expect({ role, resource: asList(s.Resource) }).not.toEqual({ role, resource: ['*'] });
        }
      }
    },
  );

  test('no classifier, no SageMaker log group (ap-southeast-2)', () => {
    const resources = resourcesOf('ap-southeast-2');
    expect(
      Object.values(resources).filter((r) =>
        String(r.Properties?.['LogGroupName'] ?? '').startsWith('/aws/sagemaker'),
      ),
    ).toEqual([]);
  });
});

/** `<table>[/index/<name>]` → actions (with `[LeadingKeys=…]` when conditioned), per role logical-id prefix. */
const tableGrants = (resources: Resources): { [role: string]: { [target: string]: string[] } } => {
  const tableOf = Object.fromEntries(Object.entries(TABLE_LOGICAL_IDS).map(([name, id]) => [id, name]));
  const out: { [role: string]: { [target: string]: string[] } } = {};
  for (const [role, statements] of roleStatements(resources)) {
    for (const s of statements.filter((x) => x.Effect === 'Allow')) {
      const ddb = actionsOf(s).filter((a) => a === '*' || a.toLowerCase().startsWith('dynamodb:'));
      if (ddb.length === 0) continue;
      const keys = s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
      for (const r of asList(s.Resource)) {
        const text = JSON.stringify(r);
        const table = Object.keys(tableOf).find((id) => text.includes(`"${id}"`));
        const index = /\/index\/([^"]*)"/.exec(text)?.[1];
        const target = table ? `${tableOf[table]}${index !== undefined ? `/index/${index}` : ''}` : text;
        const name = role.replace(/[0-9A-F]{8}$/, '');
        out[name] ??= {};
        out[name][target] = [
          ...(out[name][target] ?? []),
          ...ddb.map((a) => (keys ? `${a}[LeadingKeys=${asList(keys).join(',')}]` : a)),
        ].sort();
      }
    }
  }
  return out;
};

describe('table grants: each caller gets exactly the calls its code makes (lambdas/adapters/dynamo)', () => {
  const expected = {
    // authorize.ts: tenants.lookup → GetItem; DynamoRateLimiter.admit/settle → GetItem, UpdateItem.
    ServingAuthorizerRole: {
      tenants: ['dynamodb:GetItem'],
      limits: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    },
    // controls.current → GetItem of the controls item; ladder: keysOf → Query byTenant, setStatus → UpdateItem (and
    // GetItem of a key item after a failed condition without the item: write-token.ts), strikes → Query + UpdateItem
    // on violations, audit.append → PutItem; rate limiter settle.
    ServingProxyRole: {
      tenants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      'tenants/index/byTenant': ['dynamodb:Query'],
      limits: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      violations: ['dynamodb:Query', 'dynamodb:UpdateItem'],
      audit: ['dynamodb:PutItem'],
    },
    // handler.ts routes: controls read/set (GetItem, PutItem), tenant create (PutItem of the key record), show
    // (Query byTenant, Scan to resolve a tn_ pseudonym, audit Query), status/limits/overrides (UpdateItem),
    // reinstate (strike item GetItem + UpdateItem), suspension count (UpdateItem on violations), audit PutItem.
    OperatorApiHandlerRole: {
      tenants: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      'tenants/index/byTenant': ['dynamodb:Query'],
      violations: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    // lambdas/canary-tenant/provision.ts (deploy time): get → GetItem, createTenant → PutItem of the key record,
    // revoke → keysOf (Query byTenant) + DeleteItem of that key. Nothing else, no other table.
    CanaryTenantRole: {
      tenants: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
      'tenants/index/byTenant': ['dynamodb:Query'],
    },
  };

  test.each(['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-southeast-2'])(
    '%s: authorizer, proxy, operator API and canary-tenant provisioning, and no other role, on the enforcement tables',
    (region) => {
      expect(tableGrants(resourcesOf(region))).toEqual(expected);
    },
  );

  test('the check can fail: a CDK grantReadWriteData is wider than any caller', () => {
    const resources = structuredClone(resourcesOf('eu-west-1'));
    const policy = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties?.['Roles']).includes('ServingAuthorizerRole'),
    )!;
    ((policy.Properties!['PolicyDocument'] as Json)['Statement'] as Statement[]).push({
      Effect: 'Allow',
      Action: ['dynamodb:Scan', 'dynamodb:DeleteItem'],
      Resource: [
        { 'Fn::GetAtt': [TABLE_LOGICAL_IDS.tenants, 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [TABLE_LOGICAL_IDS.tenants, 'Arn'] }, '/index/*']] },
      ],
    });
    expect(tableGrants(resources)).not.toEqual(expected);
    expect(tableGrants(resources)['ServingAuthorizerRole']).toMatchObject({
      tenants: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Scan'],
      'tenants/index/*': ['dynamodb:DeleteItem', 'dynamodb:Scan'],
    });
  });
});
