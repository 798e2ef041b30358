import './env';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DynamoRateLimiter } from '../../../lambdas/adapters/dynamo/rate-limiter';
import { DynamoTenantStore } from '../../../lambdas/adapters/dynamo/tenant-store';
import { authorize } from '../../../lambdas/authorizer/authorize';
import {
  type ProvisionDeps,
  physicalIdFor,
  provisionCanaryTenant,
} from '../../../lambdas/canary-tenant/provision';
import { generateApiKey, hashApiKey } from '../../../lambdas/core/enforcement/keys';
import { type LocalDynamo, startDynalite } from '../support/dynalite';

// Real dynalite on loopback on a shared 2-core machine: allow for slow runs (no timing is asserted here).
jest.setTimeout(30_000);
let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite('canary-');
});
afterAll(async () => {
  await db.stop();
});

/** Secrets as Secrets Manager generates them for the canary: 32 letters and digits, fresh for every test. */
const generated = (): string => generateApiKey().slice('csk_'.length);
let SECRET_A = '';
let SECRET_B = '';
beforeEach(() => {
  SECRET_A = generated();
  SECRET_B = generated();
});

const store = () => new DynamoTenantStore({ client: db.doc, tableName: db.tables.tenants, cacheTtlMs: 0 });

/** The provisioning deps over dynalite, with an in-memory "Secrets Manager" and the log lines kept. */
const setup = (secrets: Record<string, string>) => {
  const logs: string[] = [];
  const deps: ProvisionDeps = {
    tenants: store(),
    readSecret: async (id) => {
      const value = secrets[id];
      if (value === undefined) throw new Error(`ResourceNotFoundException: ${id}`);
      return value;
    },
    log: (message, extra) => logs.push(JSON.stringify({ message, ...extra })),
  };
  return { deps, logs };
};

const base = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
  ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x',
  StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Safeguards-eu-west-1/1',
  RequestId: 'req-1',
  LogicalResourceId: 'CanaryTenant',
  ResourceType: 'Custom::SafeguardsCanaryTenant',
};
const props = (secretId: string, tenantId: string, zone = 'EU') => ({
  ServiceToken: base.ServiceToken,
  SecretId: secretId,
  TenantId: tenantId,
  Zone: zone,
});
const create = (p: ReturnType<typeof props>): CloudFormationCustomResourceEvent => ({
  ...base,
  RequestType: 'Create',
  ResourceProperties: p,
});
const update = (
  physicalId: string,
  p: ReturnType<typeof props>,
  old: ReturnType<typeof props>,
): CloudFormationCustomResourceEvent => ({
  ...base,
  RequestType: 'Update',
  PhysicalResourceId: physicalId,
  ResourceProperties: p,
  OldResourceProperties: old,
});
const remove = (physicalId: string, p: ReturnType<typeof props>): CloudFormationCustomResourceEvent => ({
  ...base,
  RequestType: 'Delete',
  PhysicalResourceId: physicalId,
  ResourceProperties: p,
});

/** What the authorizer says about a key, through the same code the Lambda authorizer runs. */
const authorizeKey = (apiKey: string) =>
  authorize(
    { 'x-api-key': apiKey },
    {
      tenants: store(),
      limiter: new DynamoRateLimiter({ client: db.doc, tableName: db.tables.limits }),
      now: Date.now,
      logger: { error: () => undefined },
      metrics: { addMetric: () => undefined },
    },
  );

describe('canary tenant custom resource against dynalite', () => {
  test('Create stores the hash of csk_ + the generated secret as a canary-tier key the authorizer accepts', async () => {
    const { deps, logs } = setup({ 'secret-a': SECRET_A });
    const result = await provisionCanaryTenant(create(props('secret-a', 'canary-create')), deps);

    const keyHash = hashApiKey(`csk_${SECRET_A}`);
    expect(result).toEqual({
      PhysicalResourceId: `canary-create:${keyHash.slice(0, 16)}`,
      Data: { TenantId: 'canary-create' },
    });
    const outcome = await authorizeKey(`csk_${SECRET_A}`);
    expect(outcome).toMatchObject({
      allow: true,
      tenant: { tenantId: 'canary-create', tier: 'canary', zone: 'EU' },
    });
    // Neither the key, nor the secret, nor the whole hash leaves the function.
    for (const text of [JSON.stringify(result), ...logs]) {
      expect(text).not.toContain(SECRET_A);
      expect(text).not.toContain(keyHash);
    }
  });

  test('a retried Create and an Update with the same secret change nothing', async () => {
    const { deps } = setup({ 'secret-a': SECRET_A });
    const p = props('secret-a', 'canary-retry');
    const first = await provisionCanaryTenant(create(p), deps);
    const again = await provisionCanaryTenant(create(p), deps);
    const updated = await provisionCanaryTenant(update(first.PhysicalResourceId, p, p), deps);
    expect(again.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(updated.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(await store().keysOf('canary-retry')).toHaveLength(1);
  });

  test('rotation: the new key works at once, the old one until CloudFormation deletes the old resource', async () => {
    const { deps } = setup({ 'secret-a': SECRET_A, 'secret-b': SECRET_B });
    const old = props('secret-a', 'canary-rotate');
    const next = props('secret-b', 'canary-rotate');
    const created = await provisionCanaryTenant(create(old), deps);

    // Update to the secret of the next key generation: a new physical id, both keys valid meanwhile.
    const rotated = await provisionCanaryTenant(update(created.PhysicalResourceId, next, old), deps);
    expect(rotated.PhysicalResourceId).toBe(physicalIdFor('canary-rotate', hashApiKey(`csk_${SECRET_B}`)));
    expect(rotated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect((await authorizeKey(`csk_${SECRET_A}`)).allow).toBe(true);
    expect((await authorizeKey(`csk_${SECRET_B}`)).allow).toBe(true);

    // Clean-up phase: Delete of the old physical id (with the old properties) revokes the old key only.
    await provisionCanaryTenant(remove(created.PhysicalResourceId, old), deps);
    expect(await authorizeKey(`csk_${SECRET_A}`)).toEqual({ allow: false, reason: 'unknown_key' });
    expect((await authorizeKey(`csk_${SECRET_B}`)).allow).toBe(true);
    expect((await store().keysOf('canary-rotate')).map((k) => k.keyHash)).toEqual([
      hashApiKey(`csk_${SECRET_B}`),
    ]);
  });

  test('Delete removes the tenant with its key, and needs no secret (the secret may be gone)', async () => {
    const { deps } = setup({ 'secret-a': SECRET_A });
    const p = props('secret-a', 'canary-delete');
    const created = await provisionCanaryTenant(create(p), deps);
    const { deps: noSecrets } = setup({});
    await provisionCanaryTenant(remove(created.PhysicalResourceId, p), noSecrets);
    expect(await store().keysOf('canary-delete')).toEqual([]);
    expect(await authorizeKey(`csk_${SECRET_A}`)).toEqual({ allow: false, reason: 'unknown_key' });
  });

  test('Delete of an id this function never issued (a Create that failed) deletes nothing', async () => {
    const { deps } = setup({ 'secret-a': SECRET_A });
    const p = props('secret-a', 'canary-keep');
    await provisionCanaryTenant(create(p), deps);
    for (const id of [
      'req-1',
      'canary-keep',
      'canary-keep:',
      'canary-keep:zzzzzzzzzzzzzzzz',
      '*:0000000000000000',
    ]) {
      await provisionCanaryTenant(remove(id, p), deps);
    }
    expect(await store().keysOf('canary-keep')).toHaveLength(1);
  });

  test('Delete revokes keys of the named tenant only, never another tenant’s key with the same prefix', async () => {
    const { deps } = setup({ 'secret-a': SECRET_A });
    const { apiKey } = await store().createTenant({ tenantId: 'customer-1', tier: 'standard', zone: 'EU' });
    const id = physicalIdFor('canary-other', hashApiKey(apiKey));
    await provisionCanaryTenant(remove(id, props('secret-a', 'canary-other')), deps);
    expect((await authorizeKey(apiKey)).allow).toBe(true);
  });

  test.each([
    ['a full key instead of the generated body', `csk_${SECRET_A}`],
    ['punctuation', 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bC!4f'],
    ['too short', 'abc'],
    ['empty', ''],
  ])('a secret of another form (%s) fails without echoing it and stores nothing', async (_what, value) => {
    const { deps } = setup({ 'secret-x': value });
    const attempt = provisionCanaryTenant(create(props('secret-x', 'canary-bad')), deps);
    await expect(attempt).rejects.toThrow(/^generated API key: expected 32 letters and digits/);
    await attempt.catch((err: Error) => {
      if (value.length > 3) expect(err.message).not.toContain(value);
    });
    expect(await store().keysOf('canary-bad')).toEqual([]);
  });

  test('a key already stored for another tenant is never moved to the canary tenant', async () => {
    const { deps } = setup({ 'secret-b': SECRET_B });
    await store().createTenant({
      tenantId: 'customer-2',
      tier: 'standard',
      zone: 'EU',
      apiKey: `csk_${SECRET_B}`,
    });
    await expect(provisionCanaryTenant(create(props('secret-b', 'canary-steal')), deps)).rejects.toThrow(
      "canary tenant: the key in the secret already belongs to tenant 'customer-2', not 'canary-steal'",
    );
    expect(
      (await authorizeKey(`csk_${SECRET_B}`)).allow &&
        (await store().get(hashApiKey(`csk_${SECRET_B}`)))?.tier,
    ).toBe('standard');
  });

  test.each([
    [{ SecretId: 'secret-a', TenantId: 'bad tenant id', Zone: 'EU' }, 'TenantId'],
    [{ SecretId: '', TenantId: 'canary', Zone: 'EU' }, 'SecretId'],
    [{ SecretId: 'secret-a', TenantId: 'canary' }, 'Zone'],
  ])('invalid properties %p fail naming the property', async (p, field) => {
    const { deps } = setup({ 'secret-a': SECRET_A });
    await expect(
      provisionCanaryTenant(create(p as unknown as ReturnType<typeof props>), deps),
    ).rejects.toThrow(new RegExp(`^canary tenant: invalid property ${field}: `));
  });

  test('a secret that cannot be read fails the Create (the stack rolls back)', async () => {
    const { deps } = setup({});
    await expect(provisionCanaryTenant(create(props('missing', 'canary-missing')), deps)).rejects.toThrow(
      /ResourceNotFoundException/,
    );
  });
});
