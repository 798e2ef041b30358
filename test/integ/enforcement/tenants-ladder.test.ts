import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../../lambdas/adapters/dynamo/audit-log';
import { countRoundTrips } from '../../../lambdas/adapters/dynamo/client';
import {
  DynamoEnforcementLadder,
  type EnforcementNotification,
  STALE_COUNTERS_PRUNED_AT,
  STRIKES_WINDOW,
} from '../../../lambdas/adapters/dynamo/ladder-store';
import { DynamoTenantStore } from '../../../lambdas/adapters/dynamo/tenant-store';
import { hashApiKey, isWellFormedApiKey } from '../../../lambdas/core/enforcement/keys';
import { DEFAULT_LADDER } from '../../../lambdas/core/enforcement/ladder';
import { clock } from '../../support/clock';
import { clientFor, holdGetItems, type LocalDynamo, startDynalite } from '../support/dynalite';

const MIN = 60_000;

// Real servers on loopback on a shared 2-core machine: allow for slow runs (no timing is asserted here).
jest.setTimeout(30_000);
let db: LocalDynamo;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

function setup() {
  const c = clock();
  const tenants = new DynamoTenantStore({
    client: db.doc,
    tableName: db.tables.tenants,
    now: c.now,
    cacheTtlMs: 2_000,
  });
  const audit = new DynamoAuditLog({ client: db.doc, tableName: db.tables.audit, now: c.now });
  const notifications: EnforcementNotification[] = [];
  const ladder = new DynamoEnforcementLadder({
    client: db.doc,
    violationsTable: db.tables.violations,
    tenants,
    audit,
    notifier: { notify: async (n) => void notifications.push(n) },
    now: c.now,
  });
  return { c, tenants, audit, ladder, notifications };
}

describe('tenant store', () => {
  test('creates a tenant with a key shown once; only the hash is stored', async () => {
    const { tenants } = setup();
    // WHEN
    const { apiKey, tenant } = await tenants.createTenant({
      tenantId: 'acme',
      tier: 'standard',
      zone: 'eu',
      limits: { requests: 50 },
    });
    // THEN
    expect(isWellFormedApiKey(apiKey)).toBe(true);
    expect(tenant.keyHash).toBe(hashApiKey(apiKey));
    const stored = await tenants.get(tenant.keyHash);
    expect(stored).toEqual({
      keyHash: tenant.keyHash,
      tenantId: 'acme',
      tier: 'standard',
      status: 'active',
      zone: 'eu',
      limits: { requests: 50 },
    });
    expect(JSON.stringify(stored)).not.toContain(apiKey);
  });

  test('setStatus updates every key of the tenant; list groups keys per tenant', async () => {
    // GIVEN a tenant with two keys
    const { tenants } = setup();
    const first = await tenants.createTenant({ tenantId: 'two-keys', tier: 'free', zone: 'us' });
    const second = await tenants.addKey('two-keys');
    // WHEN
    const result = await tenants.setStatus('two-keys', {
      status: 'suspended',
      reason: 'operator: abuse report',
      until: 9e12,
    });
    // THEN
    expect(result).toMatchObject({
      before: { status: 'active' },
      after: { status: 'suspended', until: 9e12 },
      keysUpdated: 2,
    });
    for (const k of [first, second]) expect((await tenants.get(k.tenant.keyHash))?.status).toBe('suspended');
    const listed = (await tenants.listTenants()).find((t) => t.tenantId === 'two-keys');
    expect(listed).toMatchObject({ status: 'suspended', keys: 2, until: 9e12 });
    // AND reinstating removes `until`
    await tenants.setStatus('two-keys', { status: 'active', reason: 'operator: reviewed' });
    expect((await tenants.get(first.tenant.keyHash))?.until).toBeUndefined();
  });

  test('a conditional setStatus applies once when the status already moved', async () => {
    const { tenants } = setup();
    await tenants.createTenant({ tenantId: 'cond', tier: 'free', zone: 'us' });
    const a = await tenants.setStatus(
      'cond',
      { status: 'throttled', reason: 'r', until: 1 },
      { status: 'active' },
    );
    const b = await tenants.setStatus(
      'cond',
      { status: 'throttled', reason: 'r', until: 1 },
      { status: 'active' },
    );
    expect(a?.keysUpdated).toBe(1);
    expect(b).toBeUndefined();
  });

  test('lookups are cached for the TTL (hits and misses), then re-read', async () => {
    const { c, tenants } = setup();
    const { tenant } = await tenants.createTenant({ tenantId: 'cached', tier: 'free', zone: 'us' });
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('active');
    // WHEN the status changes through another store instance
    const other = new DynamoTenantStore({ client: db.doc, tableName: db.tables.tenants });
    await other.setStatus('cached', { status: 'banned', reason: 'x' });
    // THEN this instance serves the cached value until the TTL passes
    c.advance(1_999);
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('active');
    c.advance(1);
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('banned');
    expect(await tenants.lookup('0'.repeat(64))).toBeUndefined();
  });
  test('a lookup in the last quarter of the TTL answers from the cache and re-reads in the background', async () => {
    // GIVEN an instance with a counted client that has just read a tenant
    const c = clock();
    const client = clientFor(db.endpoint);
    const counter = countRoundTrips(client);
    const tenants = new DynamoTenantStore({
      client,
      tableName: db.tables.tenants,
      now: c.now,
      cacheTtlMs: 2_000,
    });
    const admin = new DynamoTenantStore({ client: db.doc, tableName: db.tables.tenants, cacheTtlMs: 0 });
    const { tenant } = await admin.createTenant({ tenantId: 'refresh-ahead', tier: 'free', zone: 'us' });
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('active');
    expect(counter.count).toBe(1);
    // WHEN the status changes and a lookup comes 1.5 s later (age ≥ ¾ TTL)
    await admin.setStatus('refresh-ahead', { status: 'banned', reason: 'x' });
    c.advance(1_499);
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('active');
    expect(counter.count).toBe(1);
    c.advance(1);
    // THEN it still answers from the cache (no wait), and one background read starts
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('active');
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('active');
    expect(counter.count).toBe(2);
    // AND once that read is in, the change is served, before the first entry's TTL ran out
    for (let i = 0; i < 100 && (await tenants.lookup(tenant.keyHash))?.status !== 'banned'; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('banned');
    // AND the refreshed entry is dated from its read: served until 2 s after it without another read
    c.advance(1_499);
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('banned');
    expect(counter.count).toBe(2);
  });

  test('a read started before an invalidation does not fill the cache with the state before the change', async () => {
    // GIVEN an instance whose GetItem answers can be held back, with a cached entry due for its background re-read
    const c = clock();
    const client = clientFor(db.endpoint);
    const reads = holdGetItems(client);
    const tenants = new DynamoTenantStore({
      client,
      tableName: db.tables.tenants,
      now: c.now,
      cacheTtlMs: 2_000,
    });
    const { tenant } = await tenants.createTenant({ tenantId: 'invalidate-race', tier: 'free', zone: 'us' });
    await tenants.lookup(tenant.keyHash);
    reads.hold();
    c.advance(1_600);
    // WHEN the background re-read has read the item (active) but its answer is held back
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('active');
    // AND this instance changes the status meanwhile (setStatus invalidates)
    await tenants.setStatus('invalidate-race', { status: 'suspended', reason: 'x', until: c.now() + MIN });
    reads.stopHolding();
    reads.release();
    await reads.untilAnswered(2);
    expect(reads.answered).toBe(2);
    // THEN the late answer from before the change was not cached: the next lookup reads the new status
    expect((await tenants.lookup(tenant.keyHash))?.status).toBe('suspended');
  });
});

describe('enforcement ladder', () => {
  test('3 strikes in 10 min → throttled 15 min, audited once, notified', async () => {
    // GIVEN an active tenant
    const { c, tenants, audit, ladder, notifications } = setup();
    const { tenant } = await tenants.createTenant({ tenantId: 'strikes', tier: 'standard', zone: 'eu' });
    // WHEN three blocks land within 10 minutes
    const a = await ladder.recordViolation({ tenantId: 'strikes', category: 'harmful' });
    c.advance(4 * MIN);
    const b = await ladder.recordViolation({ tenantId: 'strikes', category: 'jailbreak' });
    c.advance(4 * MIN);
    const third = await ladder.recordViolation({ tenantId: 'strikes', category: 'harmful' });
    // THEN only the third escalates
    expect(a.escalation).toBeUndefined();
    expect(b.escalation).toBeUndefined();
    expect(third.counts['strikes-10m']).toBe(3);
    expect(third.escalation).toMatchObject({
      status: 'throttled',
      until: c.now() + 15 * MIN,
      rule: 'strikes-10m',
    });
    expect((await tenants.get(tenant.keyHash))?.status).toBe('throttled');
    const events = await audit.events('strikes');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subject: 'strikes',
      actor: 'system:ladder',
      action: 'status.throttle',
      before: { status: 'active' },
      after: { status: 'throttled', until: c.now() + 15 * MIN },
    });
    expect(notifications).toEqual([
      expect.objectContaining({ tenantId: 'strikes', auditEventId: events[0]?.eventId }),
    ]);
  });

  test('a strike below every threshold costs one table call; one reaching a threshold reads the tenant', async () => {
    // GIVEN an active tenant and a ladder on a client whose table calls are counted
    const c = clock();
    const doc = clientFor(db.endpoint);
    const calls = countRoundTrips(doc);
    const tenants = new DynamoTenantStore({ client: doc, tableName: db.tables.tenants, now: c.now });
    const ladder = new DynamoEnforcementLadder({
      client: doc,
      violationsTable: db.tables.violations,
      tenants,
      audit: new DynamoAuditLog({ client: doc, tableName: db.tables.audit, now: c.now }),
      notifier: { notify: async () => {} },
      now: c.now,
    });
    await tenants.createTenant({ tenantId: 'counted', tier: 'standard', zone: 'eu' });
    // WHEN two strikes land (below the 3-in-10-min threshold)
    calls.reset();
    await ladder.recordViolation({ tenantId: 'counted', category: 'harmful' });
    await ladder.recordViolation({ tenantId: 'counted', category: 'harmful' });
    // THEN each is one update, which adds the strike and returns the counters
    expect(calls.count).toBe(2);
    expect(calls.byCommand).toEqual({ UpdateItemCommand: 2 });
    expect(Object.keys(calls.byTable).every((k) => k.endsWith(` ${db.tables.violations}`))).toBe(true);
    // WHEN the third reaches the throttle threshold
    calls.reset();
    const third = await ladder.recordViolation({ tenantId: 'counted', category: 'harmful' });
    // THEN the tenant's keys are read, then changed (no suspension counters: throttling never becomes a ban)
    expect(third.escalation?.status).toBe('throttled');
    const v = db.tables.violations;
    const t = db.tables.tenants;
    expect(calls.byTable).toEqual({
      [`UpdateItemCommand ${v}`]: 1,
      // the ladder's read of the status, then setStatus's own read of every key before its conditional update
      [`QueryCommand ${t}`]: 2,
      [`UpdateItemCommand ${t}`]: 1,
      [`PutItemCommand ${db.tables.audit}`]: 1,
    });
  });

  test('counters past every window are removed once enough gather; the ones in a window stay', async () => {
    // GIVEN a tenant striking once every 2 hours (never escalated), on a counted client
    const c = clock();
    const doc = clientFor(db.endpoint);
    const calls = countRoundTrips(doc);
    const ladder = new DynamoEnforcementLadder({
      client: doc,
      violationsTable: db.tables.violations,
      tenants: new DynamoTenantStore({ client: doc, tableName: db.tables.tenants, now: c.now }),
      audit: new DynamoAuditLog({ client: doc, tableName: db.tables.audit, now: c.now }),
      notifier: { notify: async () => {} },
      now: c.now,
    });
    const counters = async () => {
      const out = await doc.send(
        new GetCommand({
          TableName: db.tables.violations,
          Key: { tenantId: 'sparse', window: STRIKES_WINDOW },
        }),
      );
      return Object.keys(out.Item ?? {}).filter((k) => k.startsWith('b'));
    };
    const updates: number[] = [];
    for (let i = 0; i < STALE_COUNTERS_PRUNED_AT + 1; i++) {
      calls.reset();
      const out = await ladder.recordViolation({ tenantId: 'sparse', category: 'harmful' });
      expect(out.counts).toEqual({ 'strikes-10m': 1, 'strikes-1h': 1 });
      updates.push(calls.count);
      c.advance(2 * 60 * MIN);
    }
    // THEN every strike is one call until STALE_COUNTERS_PRUNED_AT counters aged out; that strike removes them
    expect(updates).toEqual([...Array(STALE_COUNTERS_PRUNED_AT).fill(1), 2]);
    expect(await counters()).toHaveLength(1);
    // AND a strike within the window of the last one still counts it
    c.advance(-2 * 60 * MIN + 5 * MIN);
    expect((await ladder.recordViolation({ tenantId: 'sparse', category: 'harmful' })).counts).toEqual({
      'strikes-10m': 2,
      'strikes-1h': 2,
    });
  });

  test('a category rule counts only its category, whatever characters the category holds', async () => {
    const c = clock();
    const rule = {
      name: 'odd-1h',
      windowMs: 60 * MIN,
      threshold: 2,
      category: 'a#b c',
      status: 'throttled' as const,
      durationMs: MIN,
    };
    const { tenants, audit } = setup();
    const ladder = new DynamoEnforcementLadder({
      client: db.doc,
      violationsTable: db.tables.violations,
      tenants,
      audit,
      notifier: { notify: async () => {} },
      config: { ...DEFAULT_LADDER, rules: [rule] },
      now: c.now,
    });
    await tenants.createTenant({ tenantId: 'odd', tier: 'standard', zone: 'eu' });
    expect((await ladder.recordViolation({ tenantId: 'odd', category: 'a' })).counts).toEqual({
      'odd-1h': 0,
    });
    expect((await ladder.recordViolation({ tenantId: 'odd', category: 'a#b c' })).counts).toEqual({
      'odd-1h': 1,
    });
    const second = await ladder.recordViolation({ tenantId: 'odd', category: 'a#b c' });
    expect(second.counts).toEqual({ 'odd-1h': 2 });
    expect(second.escalation?.rule).toBe('odd-1h');
  });

  test("clearing strikes forgives every counter of the tenant, and no other tenant's", async () => {
    const { c, tenants, ladder } = setup();
    await tenants.createTenant({ tenantId: 'forgiven', tier: 'standard', zone: 'eu' });
    await ladder.recordViolation({ tenantId: 'forgiven', category: 'harmful' });
    await ladder.recordViolation({ tenantId: 'other', category: 'harmful' });
    c.advance(2 * MIN);
    await ladder.recordViolation({ tenantId: 'forgiven', category: 'jailbreak' });
    // WHEN cleared: two counters (two buckets) held strikes
    expect(await ladder.clearStrikes('forgiven')).toBe(2);
    expect(await ladder.clearStrikes('forgiven')).toBe(0);
    expect(await ladder.clearStrikes('never-struck')).toBe(0);
    // THEN the next strike counts from one; the other tenant keeps its strike
    expect((await ladder.recordViolation({ tenantId: 'forgiven', category: 'harmful' })).counts).toEqual({
      'strikes-10m': 1,
      'strikes-1h': 1,
    });
    expect((await ladder.recordViolation({ tenantId: 'other', category: 'harmful' })).counts).toEqual({
      'strikes-10m': 2,
      'strikes-1h': 2,
    });
  });

  test('clearing more counters than one update expression holds clears them all', async () => {
    const { ladder } = setup();
    const categories = Array.from({ length: 130 }, (_, i) => `category-${i}`);
    for (const category of categories) await ladder.recordViolation({ tenantId: 'many', category });
    expect(await ladder.clearStrikes('many')).toBe(130);
    expect((await ladder.recordViolation({ tenantId: 'many', category: 'harmful' })).counts).toEqual({
      'strikes-10m': 1,
      'strikes-1h': 1,
    });
  });

  test('strikes older than the window do not count', async () => {
    const { c, tenants, ladder } = setup();
    await tenants.createTenant({ tenantId: 'slow', tier: 'standard', zone: 'eu' });
    for (let i = 0; i < 3; i++) {
      const out = await ladder.recordViolation({ tenantId: 'slow', category: 'harmful' });
      expect(out.escalation).toBeUndefined();
      c.advance(6 * MIN);
    }
  });

  test('parallel strikes escalate exactly once', async () => {
    const { tenants, audit, ladder, notifications } = setup();
    await tenants.createTenant({ tenantId: 'burst', tier: 'standard', zone: 'eu' });
    // WHEN 6 strikes arrive at once
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => ladder.recordViolation({ tenantId: 'burst', category: 'harmful' })),
    );
    // THEN one escalation, one audit event, one notification
    expect(outcomes.filter((o) => o.escalation).length).toBe(1);
    expect(await audit.events('burst')).toHaveLength(1);
    expect(notifications).toHaveLength(1);
  });

  test('10 strikes in 1 h → suspended; the third suspension in 7 days → banned', async () => {
    const { c, tenants, audit, ladder } = setup();
    const { tenant } = await tenants.createTenant({ tenantId: 'repeat', tier: 'standard', zone: 'eu' });
    const statuses: string[] = [];
    for (let round = 0; round < 3; round++) {
      // 10 strikes, 5 min apart (throttle first, then suspension)
      for (let i = 0; i < 10; i++) {
        await ladder.recordViolation({ tenantId: 'repeat', category: 'harmful' });
        c.advance(5 * MIN);
      }
      statuses.push((await tenants.get(tenant.keyHash))?.status ?? 'missing');
      // the suspension (24 h) lapses
      c.advance(DEFAULT_LADDER.rules[1]!.durationMs + MIN);
    }
    expect(statuses).toEqual(['suspended', 'suspended', 'banned']);
    const actions = (await audit.events('repeat')).map((e) => e.action);
    // (throttles recur while strikes keep coming once each 15-minute throttle lapses)
    expect(actions[0]).toBe('status.throttle');
    expect(actions.filter((a) => a !== 'status.throttle')).toEqual([
      'status.suspend',
      'status.suspend',
      'status.ban',
    ]);
    const ban = (await audit.events('repeat')).at(-1);
    expect(ban?.reason).toMatch(/3 suspensions/);
    expect(ban?.after).toEqual({ status: 'banned' });
  });

  test('operator status changes are audited with the operator principal', async () => {
    const { tenants, audit, ladder } = setup();
    await tenants.createTenant({ tenantId: 'op', tier: 'standard', zone: 'eu' });
    const actor = 'arn:aws:sts::111122223333:assumed-role/TrustAndSafety/alice';
    const event = await ladder.applyStatus('op', { status: 'banned', reason: 'ticket T-1' }, actor);
    expect(event).toMatchObject({
      actor,
      action: 'status.ban',
      before: { status: 'active' },
      after: { status: 'banned' },
    });
    expect(await audit.events('op')).toHaveLength(1);
  });

  test('the audit log refuses to overwrite an event', async () => {
    const { audit } = setup();
    const e = await audit.append({ subject: 'x', actor: 'a', action: 'test', reason: 'r' });
    await expect(
      db.doc.send(
        new PutCommand({
          TableName: db.tables.audit,
          Item: { ...e, reason: 'rewritten' },
          ConditionExpression: 'attribute_not_exists(eventId)',
        }),
      ),
    ).rejects.toThrow(/conditional request failed/i);
  });
});
