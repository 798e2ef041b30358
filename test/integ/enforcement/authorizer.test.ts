import './env';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { countRoundTrips } from '../../../lambdas/adapters/dynamo/client';
import { LeasedRateLimiter } from '../../../lambdas/adapters/dynamo/leased-rate-limiter';
import { DynamoRateLimiter } from '../../../lambdas/adapters/dynamo/rate-limiter';
import { DynamoTenantStore } from '../../../lambdas/adapters/dynamo/tenant-store';
import { type AuthorizeDeps, authorize } from '../../../lambdas/authorizer/authorize';
import { depsFromEnv } from '../../../lambdas/authorizer/deps';
import { makeHandler } from '../../../lambdas/authorizer/handler';
import { clientFor, type LocalDynamo, startDynalite } from '../support/dynalite';

// Real servers on loopback on a shared 2-core machine: allow for slow runs (no timing is asserted here).
jest.setTimeout(30_000);
let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
/** Every tenant store built here: closed before dynalite stops, so no refresh ahead of expiry outlives it. */
const stores: DynamoTenantStore[] = [];
const tenantStore = (options: ConstructorParameters<typeof DynamoTenantStore>[0]) => {
  const store = new DynamoTenantStore(options);
  stores.push(store);
  return store;
};
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await db.stop();
});

const silent = { logger: { error: () => undefined }, metrics: { addMetric: () => undefined } };

/** One serving instance: its own client, tenant cache and (optionally) leases. */
function instance(opts: { cacheTtlMs: number; leaseMs: number; now?: () => number }) {
  const client = clientFor(db.endpoint);
  const counter = countRoundTrips(client);
  const now = opts.now ?? Date.now;
  const base = new DynamoRateLimiter({ client, tableName: db.tables.limits, now });
  const deps: AuthorizeDeps = {
    ...silent,
    tenants: tenantStore({
      client,
      tableName: db.tables.tenants,
      cacheTtlMs: opts.cacheTtlMs,
      now,
    }),
    limiter: opts.leaseMs > 0 ? new LeasedRateLimiter(base, { leaseMs: opts.leaseMs, now }) : base,
    now,
  };
  return { deps, counter };
}

const admin = () => tenantStore({ client: db.doc, tableName: db.tables.tenants, cacheTtlMs: 0 });

describe('authorize against dynalite', () => {
  test('a free-tier key: 20 requests per minute pass, the rest are rate limited', async () => {
    // GIVEN a free tenant (20 req/min) and a fixed clock
    const { apiKey } = await admin().createTenant({ tenantId: 'free-1', tier: 'free', zone: 'eu' });
    const { deps, counter } = instance({ cacheTtlMs: 2_000, leaseMs: 0, now: () => 1_700_000_000_000 });
    // WHEN 25 requests arrive in parallel
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, () => authorize({ 'x-api-key': apiKey }, deps)),
    );
    // THEN
    expect(outcomes.filter((o) => o.allow).length).toBe(20);
    expect(outcomes.filter((o) => !o.allow && o.reason === 'rate_limited').length).toBe(5);
    // AND the 25 concurrent cache misses shared one tenant read
    expect(counter.byTable[`GetItemCommand ${db.tables.tenants}`]).toBe(1);
  });

  test('the Lambda handler with deps from the environment (endpoint via AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    // GIVEN the environment a deployed function would have, pointed at dynalite
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    try {
      const deps = depsFromEnv({
        AWS_REGION: 'eu-west-1',
        TENANTS_TABLE: db.tables.tenants,
        LIMITS_TABLE: db.tables.limits,
      });
      if (deps.tenants instanceof DynamoTenantStore) stores.push(deps.tenants);
      const handler = makeHandler(deps);
      const { apiKey } = await admin().createTenant({ tenantId: 'lambda-1', tier: 'standard', zone: 'eu' });
      const event = {
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:eu-west-1:111122223333:api1/prod/POST/v1/messages',
        headers: { Authorization: `Bearer ${apiKey}`, 'x-tenant-id': 'someone-else' },
      } as unknown as APIGatewayRequestAuthorizerEvent;
      // WHEN
      const result = await handler(event);
      // THEN
      expect(result.principalId).toBe('lambda-1');
      expect(result.policyDocument.Statement[0]).toMatchObject({
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:111122223333:api1/prod/*',
      });
      await expect(handler({ ...event, headers: {} })).rejects.toThrow('Unauthorized');
    } finally {
      process.env = saved;
    }
  });

  test('status changes: suspend → Deny, ban → Deny, lapse → Allow', async () => {
    const store = admin();
    const { apiKey } = await store.createTenant({ tenantId: 'status-1', tier: 'standard', zone: 'eu' });
    let now = 1_700_000_000_000;
    const { deps } = instance({ cacheTtlMs: 0, leaseMs: 0, now: () => now });
    await store.setStatus('status-1', { status: 'suspended', reason: 'test', until: now + 1_000 });
    expect(await authorize({ authorization: `Bearer ${apiKey}` }, deps)).toMatchObject({
      allow: false,
      reason: 'suspended',
    });
    now += 1_000;
    expect(await authorize({ authorization: `Bearer ${apiKey}` }, deps)).toMatchObject({
      allow: true,
      status: 'active',
    });
    await store.setStatus('status-1', { status: 'banned', reason: 'test' });
    expect(await authorize({ authorization: `Bearer ${apiKey}` }, deps)).toMatchObject({
      allow: false,
      reason: 'banned',
    });
  });

  test('table round trips per authorize: cache + leases vs none', async () => {
    // GIVEN a standard tenant (600 req/min) per configuration (each starts with a full bucket) and 300 requests at
    // 50 req/s on an injected clock
    const measure = async (cacheTtlMs: number, leaseMs: number) => {
      const { apiKey } = await admin().createTenant({
        tenantId: `rt-${cacheTtlMs}-${leaseMs}`,
        tier: 'standard',
        zone: 'eu',
      });
      let now = 1_800_000_000_000 + cacheTtlMs * 7 + leaseMs * 13;
      const { deps, counter } = instance({ cacheTtlMs, leaseMs, now: () => now });
      let allowed = 0;
      for (let i = 0; i < 300; i++) {
        if ((await authorize({ 'x-api-key': apiKey }, deps)).allow) allowed++;
        now += 20;
      }
      return { allowed, perRequest: counter.count / 300, byCommand: counter.byCommand };
    };
    const none = await measure(0, 0);
    const cacheOnly = await measure(2_000, 0);
    const both = await measure(2_000, 1_000);
    console.log(
      `authorize round trips/request @50 rps: no cache, no leases ${none.perRequest.toFixed(3)} ${JSON.stringify(none.byCommand)}; ` +
        `cache 2 s ${cacheOnly.perRequest.toFixed(3)} ${JSON.stringify(cacheOnly.byCommand)}; ` +
        `cache 2 s + leases 1 s ${both.perRequest.toFixed(3)} ${JSON.stringify(both.byCommand)}`,
    );
    // THEN
    expect(none.perRequest).toBe(2);
    expect(cacheOnly.perRequest).toBeLessThan(1.02);
    expect(both.perRequest).toBeLessThan(0.1);
    expect([none.allowed, cacheOnly.allowed, both.allowed]).toEqual([300, 300, 300]);
  });

  test('propagation: a suspension reaches cached instances within the cache TTL (measured, wall clock)', async () => {
    // GIVEN three serving instances (2 s cache, 1 s leases) that just served the tenant
    const ttl = 2_000;
    const store = admin();
    const { apiKey } = await store.createTenant({ tenantId: 'prop-1', tier: 'enterprise', zone: 'eu' });
    const instances = [0, 1, 2].map(() => instance({ cacheTtlMs: ttl, leaseMs: 1_000 }));
    for (const { deps } of instances)
      expect((await authorize({ 'x-api-key': apiKey }, deps)).allow).toBe(true);
    // WHEN an operator suspends the tenant
    const changedAt = Date.now();
    await store.setStatus('prop-1', {
      status: 'suspended',
      reason: 'propagation test',
      until: changedAt + 3_600_000,
    });
    // THEN each instance denies within the TTL; poll every 25 ms
    const delays = await Promise.all(
      instances.map(async ({ deps }) => {
        for (;;) {
          const out = await authorize({ 'x-api-key': apiKey }, deps);
          if (!out.allow && out.reason === 'suspended') return Date.now() - changedAt;
          if (Date.now() - changedAt > 3 * ttl) throw new Error('status did not propagate');
          await new Promise((r) => setTimeout(r, 25));
        }
      }),
    );
    console.log(
      `propagation (cache TTL ${ttl} ms): per-instance delay until Deny ${delays.join(', ')} ms; max ${Math.max(...delays)} ms`,
    );
    expect(Math.max(...delays)).toBeLessThanOrEqual(ttl + 500);
  });
});
