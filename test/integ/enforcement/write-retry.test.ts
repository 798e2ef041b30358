/**
 * Conditional writes applied by DynamoDB whose answer was lost, then re-sent by the client (docs/adr/0057): a relay in
 * front of dynalite forwards the write (so it is applied) and loses the answer or resets the connection; the client
 * (`SignedDocumentClient`, the proxy's) re-sends it. The rate limiter charges the window once, a status change counts
 * as applied and is audited once, and a genuine concurrent change is still a conflict.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../../lambdas/adapters/dynamo/audit-log';
import {
  DynamoEnforcementLadder,
  type EnforcementNotification,
} from '../../../lambdas/adapters/dynamo/ladder-store';
import { LeasedRateLimiter } from '../../../lambdas/adapters/dynamo/leased-rate-limiter';
import { DynamoRateLimiter, WINDOW_MS } from '../../../lambdas/adapters/dynamo/rate-limiter';
import { SignedDocumentClient } from '../../../lambdas/adapters/dynamo/signed-document-client';
import { DynamoTenantStore } from '../../../lambdas/adapters/dynamo/tenant-store';
import { WRITE_TOKEN_ATTRIBUTE } from '../../../lambdas/adapters/dynamo/write-token';
import { LADDER_ACTOR } from '../../../lambdas/core/enforcement/audit';
import { gcraIncrement } from '../../../lambdas/core/enforcement/gcra';
import { clock } from '../../support/clock';
import { type LocalDynamo, startDynalite } from '../support/dynalite';
import { type Fault, type FaultRelay, type RelayedRequest, startFaultRelay } from '../support/fault-relay';

jest.setTimeout(30_000);
let db: LocalDynamo;
const relays: FaultRelay[] = [];

beforeAll(async () => {
  db = await startDynalite('retry-');
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await db.stop();
});

/**
 * A relay applying `fault` to the `nth` (from 0) request `matches` picks (after `before`), and the proxy's client
 * through it.
 */
async function faultOnce(
  matches: (req: RelayedRequest) => boolean,
  fault: Fault,
  { nth = 0, before }: { nth?: number; before?: () => Promise<void> } = {},
): Promise<{ relay: FaultRelay; client: SignedDocumentClient }> {
  let matched = 0;
  const relay = await startFaultRelay(db.endpoint, async (req) => {
    if (!matches(req) || matched++ !== nth) return 'pass';
    await before?.();
    return fault;
  });
  return { relay, client: through(relay) };
}

/** The proxy's client through `relay` (kept for closing), with a short deadline and no backoff. */
function through(relay: FaultRelay, maxAttempts = 3, timeoutMs = 250): SignedDocumentClient {
  relays.push(relay);
  return new SignedDocumentClient({
    region: 'local',
    endpoint: relay.endpoint,
    credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
    maxAttempts,
    timeoutMs,
    random: () => 0,
  });
}

const updateOf = (table: string) => (req: RelayedRequest) =>
  req.operation === 'UpdateItem' && req.body['TableName'] === table;
const sent = (relay: FaultRelay, operation: string, table: string) =>
  relay.seen.filter((r) => r.operation === operation && r.body['TableName'] === table);

/** The stored theoretical arrival time of a tenant's `requests` bucket (µs). */
async function requestsTat(tenantId: string): Promise<unknown> {
  const { Item } = await db.doc.send(
    new GetCommand({
      TableName: db.tables.limits,
      Key: { tenantId, dimension: 'gcra' },
      ConsistentRead: true,
    }),
  );
  return Item?.['requests'];
}

describe('the rate limiter charges a window once when an applied claim is re-sent', () => {
  const limits = { requests: 60, inputTokens: 10_000, outputTokens: 10_000 };
  const oneRequest = gcraIncrement(1, limits.requests, WINDOW_MS * 1_000);

  test('a lease claim whose answer is lost past the deadline: admitted, the bucket charged once', async () => {
    // GIVEN the first lease claim of a tenant (an idle bucket: `SET requests = :new`), its answer lost
    const c = clock();
    const { relay, client } = await faultOnce(updateOf(db.tables.limits), 'lose-answer');
    const leased = new LeasedRateLimiter(
      new DynamoRateLimiter({ client, tableName: db.tables.limits, now: c.now }),
      { now: c.now },
    );
    // WHEN the tenant is admitted
    const result = await leased.admit('lost-claim', limits, { requests: 1 });
    // THEN it is admitted, the claim was re-sent once (the same write: same token) and the bucket holds one charge
    expect(result).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await requestsTat('lost-claim')).toBe(c.now() * 1_000 + oneRequest);
    const updates = sent(relay, 'UpdateItem', db.tables.limits);
    expect(updates.map((u) => u.fault)).toEqual(['lose-answer', 'pass']);
    const tokens = updates.map((u) => JSON.stringify(u.body['ExpressionAttributeValues']));
    expect(tokens[0]).toBe(tokens[1]);
  });

  test('an admission of a busy bucket (`SET requests = requests + :inc`) reset after it was applied: re-sent, charged once', async () => {
    // GIVEN a tenant admitted once (the limiter now plans the busy case), then a connection reset after the next
    // update was applied
    const c = clock();
    const { relay, client } = await faultOnce(updateOf(db.tables.limits), 'reset-after-apply', { nth: 1 });
    const limiter = new DynamoRateLimiter({ client, tableName: db.tables.limits, now: c.now });
    expect((await limiter.admit('reset-busy', limits, { requests: 1 })).allowed).toBe(true);
    // WHEN the second admission's answer is reset
    const second = await limiter.admit('reset-busy', limits, { requests: 1 });
    // THEN it is admitted (not a transport error: the update is re-sent, its guard fails on its own token) and the
    // bucket holds exactly two charges
    expect(second).toEqual({ allowed: true, retryAfterMs: 0 });
    const updates = sent(relay, 'UpdateItem', db.tables.limits);
    expect(updates.map((u) => u.fault)).toEqual(['pass', 'reset-after-apply', 'pass']);
    expect(String(updates[1]?.body['UpdateExpression'])).toContain('+');
    expect(await requestsTat('reset-busy')).toBe(c.now() * 1_000 + 2 * oneRequest);
  });

  test('a claim refused by a genuinely full bucket is still refused (the guard changes no decision)', async () => {
    const c = clock();
    const tight = { ...limits, requests: 2 };
    const { client } = await faultOnce(() => false, 'pass');
    const limiter = new DynamoRateLimiter({ client, tableName: db.tables.limits, now: c.now });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await limiter.admit('full', tight, { requests: 1 })).allowed);
    expect(outcomes).toEqual([true, true, false]);
  });
});

describe('a status change applied and re-sent is audited once; a concurrent change is still a conflict', () => {
  function stores(client: SignedDocumentClient) {
    const c = clock();
    const tenants = new DynamoTenantStore({
      client,
      tableName: db.tables.tenants,
      now: c.now,
      cacheTtlMs: 0,
    });
    const audit = new DynamoAuditLog({ client, tableName: db.tables.audit, now: c.now });
    const notifications: EnforcementNotification[] = [];
    const ladder = new DynamoEnforcementLadder({
      client,
      violationsTable: db.tables.violations,
      tenants,
      audit,
      notifier: { notify: async (n) => void notifications.push(n) },
      now: c.now,
    });
    return { tenants, audit, ladder, notifications };
  }
  const direct = () => new DynamoTenantStore({ client: db.doc, tableName: db.tables.tenants, cacheTtlMs: 0 });

  test('an automatic escalation whose answer is lost: the strike that escalates returns it, one audit event, one notification', async () => {
    // GIVEN a tenant, and the first status update on the tenants table answered never (applied by the store)
    const { relay, client } = await faultOnce(updateOf(db.tables.tenants), 'lose-answer');
    const { tenants, audit, ladder, notifications } = stores(client);
    await tenants.createTenant({ tenantId: 'lost-escalation', tier: 'standard', zone: 'eu' });
    // WHEN strikes are recorded until the escalation's update was sent
    let outcome: Awaited<ReturnType<typeof ladder.recordViolation>> | undefined;
    for (let i = 0; i < 20 && sent(relay, 'UpdateItem', db.tables.tenants).length === 0; i++)
      outcome = await ladder.recordViolation({ tenantId: 'lost-escalation', category: 'jailbreak' });
    // THEN that strike escalated (not taken as "changed concurrently"), re-sent once
    expect(sent(relay, 'UpdateItem', db.tables.tenants).map((u) => u.fault)).toEqual(['lose-answer', 'pass']);
    expect(outcome?.escalation).toBeDefined();
    const status = outcome?.escalation?.status;
    // AND the tenant holds it, with exactly one audit event and one notification naming that event
    const [key] = await direct().keysOf('lost-escalation');
    expect(key?.status).toBe(status);
    const events = (await audit.events('lost-escalation')).filter((e) => e.actor === LADDER_ACTOR);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ after: { status }, before: { status: 'active' } });
    expect(notifications.map((n) => n.auditEventId)).toEqual([events[0]?.eventId]);
  });

  test('a conditional status change reset after it was applied: applied, audited once', async () => {
    const { relay, client } = await faultOnce(updateOf(db.tables.tenants), 'reset-after-apply');
    const { tenants, audit, ladder } = stores(client);
    await tenants.createTenant({ tenantId: 'reset-change', tier: 'standard', zone: 'eu' });
    await tenants.addKey('reset-change');
    // WHEN the ladder suspends it conditionally on `active` (two keys: the first key's answer is reset)
    const event = await ladder.applyStatus(
      'reset-change',
      { status: 'suspended', reason: 'ladder', until: Date.now() + 60_000 },
      LADDER_ACTOR,
      { status: 'active' },
    );
    // THEN the change is applied to both keys and audited once
    expect(event).toMatchObject({ action: 'status.suspend', after: { status: 'suspended' } });
    expect(sent(relay, 'UpdateItem', db.tables.tenants).map((u) => u.fault)).toEqual([
      'reset-after-apply',
      'pass',
      'pass',
    ]);
    const keys = await direct().keysOf('reset-change');
    expect(keys.map((k) => k.status)).toEqual(['suspended', 'suspended']);
    expect(await audit.events('reset-change')).toHaveLength(1);
  });

  test('a concurrent change landing before the first attempt (held, not applied) is a conflict: no change, no audit', async () => {
    // GIVEN the ladder's update held by the relay (never applied) while an operator throttles the tenant
    const operator = direct();
    await operator.createTenant({ tenantId: 'real-conflict', tier: 'standard', zone: 'eu' });
    const { relay, client } = await faultOnce(updateOf(db.tables.tenants), 'hold', {
      before: async () => {
        await operator.setStatus('real-conflict', { status: 'throttled', reason: 'operator', by: 'op' });
      },
    });
    const { audit, ladder, notifications } = stores(client);
    // WHEN the ladder's re-sent update finds `throttled` (and the operator's token, not its own)
    const event = await ladder.applyStatus(
      'real-conflict',
      { status: 'suspended', reason: 'ladder' },
      LADDER_ACTOR,
      { status: 'active' },
    );
    // THEN a conflict: nothing applied by the ladder, nothing audited or notified
    expect(event).toBeUndefined();
    expect(sent(relay, 'UpdateItem', db.tables.tenants).map((u) => u.fault)).toEqual(['hold', 'pass']);
    const [key] = await operator.keysOf('real-conflict');
    expect(key).toMatchObject({ status: 'throttled', statusBy: 'op' });
    expect(await audit.events('real-conflict')).toEqual([]);
    expect(notifications).toEqual([]);
  });

  test('the read-back after a failed condition fails: thrown (counted by the caller), never taken for a conflict', async () => {
    // GIVEN the status update's answer lost, and the read-back of the key (GetItem) never answered
    let lost = false;
    const relay = await startFaultRelay(db.endpoint, (req) => {
      if (updateOf(db.tables.tenants)(req) && !lost) {
        lost = true;
        return 'lose-answer';
      }
      return req.operation === 'GetItem' && req.body['TableName'] === db.tables.tenants ? 'hold' : 'pass';
    });
    const client = through(relay, 2, 200);
    const { tenants, audit, ladder } = stores(client);
    await tenants.createTenant({ tenantId: 'unread', tier: 'standard', zone: 'eu' });
    // WHEN the ladder throttles it
    const failure = await ladder
      .applyStatus('unread', { status: 'throttled', reason: 'ladder' }, LADDER_ACTOR, { status: 'active' })
      .catch((e: unknown) => e);
    // THEN the read's failure is thrown (the proxy counts it as PortErrors{Port=violations}), nothing audited
    expect(failure).toMatchObject({ name: 'TimeoutError' });
    expect(await audit.events('unread')).toEqual([]);
  });

  test('the token is one attribute on the key item, not part of what the tenant store reads', async () => {
    const { client } = await faultOnce(() => false, 'pass');
    const { tenants } = stores(client);
    const { tenant } = await tenants.createTenant({ tenantId: 'token-attr', tier: 'standard', zone: 'eu' });
    await tenants.setStatus('token-attr', { status: 'throttled', reason: 'x', by: 'op' });
    const { Item } = await db.doc.send(
      new GetCommand({
        TableName: db.tables.tenants,
        Key: { keyHash: tenant.keyHash },
        ConsistentRead: true,
      }),
    );
    expect(typeof Item?.[WRITE_TOKEN_ATTRIBUTE]).toBe('string');
    expect(await tenants.get(tenant.keyHash)).not.toHaveProperty(WRITE_TOKEN_ATTRIBUTE);
  });
});
