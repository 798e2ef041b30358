/**
 * `SignedDocumentClient` (the serving functions' DynamoDB calls without the SDK's client) against dynalite: the same
 * outputs as the SDK's `DynamoDBDocumentClient` for the same commands, the SDK's exception classes, and the
 * enforcement stores (ladder, rate limiter, tenant store) working over it.
 */
import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../../lambdas/adapters/dynamo/audit-log';
import type { DocumentSender } from '../../../lambdas/adapters/dynamo/client';
import { DynamoEnforcementLadder } from '../../../lambdas/adapters/dynamo/ladder-store';
import { DynamoRateLimiter } from '../../../lambdas/adapters/dynamo/rate-limiter';
import { SignedDocumentClient } from '../../../lambdas/adapters/dynamo/signed-document-client';
import { DynamoTenantStore } from '../../../lambdas/adapters/dynamo/tenant-store';
import { clock } from '../../support/clock';
import { type LocalDynamo, startDynalite } from '../support/dynalite';
import { startFaultRelay } from '../support/fault-relay';

jest.setTimeout(30_000);
let db: LocalDynamo;
let signed: SignedDocumentClient;

beforeAll(async () => {
  db = await startDynalite('signed-');
  signed = new SignedDocumentClient({
    region: 'local',
    endpoint: db.endpoint,
    credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
    maxAttempts: 1,
  });
});
afterAll(async () => {
  await db.stop();
});

/** An output without its `$metadata` (request ids and attempts differ between the clients). */
const body = (out: object) => {
  const { $metadata: _, ...rest } = out as Record<string, unknown>;
  return rest;
};

describe('SignedDocumentClient gives what DynamoDBDocumentClient gives', () => {
  test('Put, Get, Update (ALL_NEW, ADD, nested values, undefined removed), Query pages, Delete (ALL_OLD)', async () => {
    const run = async (client: DocumentSender, tenantId: string) => {
      const table = db.tables.violations;
      const outs: object[] = [];
      outs.push(
        await client.send(
          new PutCommand({
            TableName: table,
            Item: {
              tenantId,
              window: 'w1',
              n: 1,
              big: 12345678901,
              s: 'text with "quotes" and ünïcödé',
              list: [1, 'two', { three: 3 }],
              map: { a: true, b: null },
              set: new Set(['x', 'y']),
              dropped: undefined,
            },
          }),
        ),
      );
      outs.push(await client.send(new GetCommand({ TableName: table, Key: { tenantId, window: 'w1' } })));
      outs.push(
        await client.send(new GetCommand({ TableName: table, Key: { tenantId, window: 'missing' } })),
      );
      outs.push(
        await client.send(
          new UpdateCommand({
            TableName: table,
            Key: { tenantId, window: 'w1' },
            UpdateExpression: 'ADD #n :one SET #m.#c = :c',
            ExpressionAttributeNames: { '#n': 'n', '#m': 'map', '#c': 'c' },
            ExpressionAttributeValues: { ':one': 1, ':c': ['nested'] },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      for (let i = 2; i <= 4; i++) {
        await client.send(new PutCommand({ TableName: table, Item: { tenantId, window: `w${i}`, n: i } }));
      }
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'tenantId = :t AND #w BETWEEN :a AND :b',
            ExpressionAttributeNames: { '#w': 'window' },
            ExpressionAttributeValues: { ':t': tenantId, ':a': 'w1', ':b': 'w9' },
            Limit: 2,
            ExclusiveStartKey: start,
          }),
        );
        // The last evaluated key names the tenant: compared without it.
        outs.push({ ...body(page), LastEvaluatedKey: page.LastEvaluatedKey?.['window'] });
        start = page.LastEvaluatedKey;
      } while (start);
      outs.push(
        await client.send(
          new DeleteCommand({ TableName: table, Key: { tenantId, window: 'w2' }, ReturnValues: 'ALL_OLD' }),
        ),
      );
      // Field order is the client's own; values compared deeply (sets as sorted lists, the tenant id named T).
      return outs.map((o) =>
        JSON.parse(
          JSON.stringify(body(o), (_k, v) => (v instanceof Set ? [...v].sort() : v)).replaceAll(
            tenantId,
            'T',
          ),
        ),
      );
    };
    // WHEN
    const viaSdk = await run(db.doc, 'parity-sdk');
    const viaSigned = await run(signed, 'parity-signed');
    // THEN
    expect(viaSigned).toEqual(viaSdk);
    expect(viaSigned.length).toBeGreaterThan(6);
  });

  test('a failed condition is the SDK ConditionalCheckFailedException, with what the SDK client gets', async () => {
    const failed = async (client: DocumentSender, tenantId: string) => {
      const Key = { tenantId, window: 'w' };
      await client.send(new PutCommand({ TableName: db.tables.violations, Item: { ...Key, n: 7 } }));
      return client
        .send(
          new UpdateCommand({
            TableName: db.tables.violations,
            Key,
            UpdateExpression: 'SET n = :n',
            ConditionExpression: 'n = :old',
            ExpressionAttributeValues: { ':n': 8, ':old': 1 },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        )
        .then(
          () => undefined,
          (x: unknown) => x as ConditionalCheckFailedException,
        );
    };
    const viaSdk = await failed(db.doc, 'ccf');
    const e = await failed(signed, 'ccf');
    expect(e).toBeInstanceOf(ConditionalCheckFailedException);
    expect(e).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: viaSdk?.message,
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    // The item as the SDK client leaves it (marshalled; dynalite does not return it, the service does).
    expect(e?.Item).toEqual(viaSdk?.Item);
  });

  test('binary values (B, BS, nested in maps and lists) are sent as base64 and read back as bytes, as the SDK does', async () => {
    const item = (tenantId: string) => ({
      tenantId,
      window: 'bin',
      b: new Uint8Array([1, 2, 255]),
      bs: new Set([new Uint8Array([0]), new Uint8Array([9, 9])]),
      nested: { m: new Uint8Array([7]), l: [new Uint8Array([8, 0])] },
    });
    const read = async (client: DocumentSender, tenantId: string) => {
      await client.send(new PutCommand({ TableName: db.tables.violations, Item: item(tenantId) }));
      const out = await client.send(
        new GetCommand({ TableName: db.tables.violations, Key: { tenantId, window: 'bin' } }),
      );
      return out.Item;
    };
    // WHEN
    const viaSdk = await read(db.doc, 'bin-sdk');
    const viaSigned = await read(signed, 'bin-signed');
    // THEN: the same bytes, as Uint8Array, as the SDK's client gives (not a string, not an index object)
    expect(viaSigned?.['b']).toBeInstanceOf(Uint8Array);
    expect([...((viaSigned?.['b'] ?? []) as Uint8Array)]).toEqual([1, 2, 255]);
    const bytes = (v: unknown): unknown =>
      v instanceof Uint8Array
        ? { bytes: [...v] }
        : v instanceof Set
          ? [...v].map(bytes).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
          : Array.isArray(v)
            ? v.map(bytes)
            : v && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bytes(x)]))
              : v;
    expect(bytes({ ...viaSigned, tenantId: 'T' })).toEqual(bytes({ ...viaSdk, tenantId: 'T' }));
    expect(bytes(viaSigned)).toEqual(bytes(item('bin-signed')));
  });

  test('an unknown table is the SDK ResourceNotFoundException', async () => {
    await expect(
      signed.send(new GetCommand({ TableName: 'no-such-table', Key: { tenantId: 'a', window: 'b' } })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('another command, or a legacy parameter, fails before any call, naming it', async () => {
    await expect(signed.send(new ScanCommand({ TableName: db.tables.violations }))).rejects.toThrow(
      /ScanCommand is not supported/,
    );
    await expect(
      signed.send(
        new PutCommand({
          TableName: db.tables.violations,
          Item: { tenantId: 'legacy', window: 'w' },
          Expected: { n: { Exists: false } },
        }),
      ),
    ).rejects.toThrow(/Expected \(a legacy parameter\)/);
    const out = await signed.send(
      new GetCommand({ TableName: db.tables.violations, Key: { tenantId: 'legacy', window: 'w' } }),
    );
    expect(out.Item).toBeUndefined();
  });
});

describe('the enforcement stores over SignedDocumentClient', () => {
  test('the ladder counts strikes with one UpdateItem each; the tenant store escalates conditionally', async () => {
    const c = clock();
    const tenants = new DynamoTenantStore({ client: signed, tableName: db.tables.tenants, now: c.now });
    const ladder = new DynamoEnforcementLadder({
      client: signed,
      violationsTable: db.tables.violations,
      tenants,
      audit: new DynamoAuditLog({ client: signed, tableName: db.tables.audit, now: c.now }),
      notifier: { notify: async () => undefined },
      now: c.now,
    });
    const { tenant } = await tenants.createTenant({
      tenantId: 'signed-ladder',
      tier: 'standard',
      zone: 'eu',
    });
    // WHEN: strikes until the first rule escalates
    let escalated: string | undefined;
    for (let i = 0; i < 20 && !escalated; i++) {
      const out = await ladder.recordViolation({ tenantId: tenant.tenantId, category: 'jailbreak' });
      escalated = out.escalation?.status;
    }
    // THEN
    expect(escalated).toBeDefined();
    const after = await tenants.keysOf(tenant.tenantId);
    expect(after[0]?.status).toBe(escalated);
    // A status change conditional on a stale status is refused (ConditionalCheckFailed, caught by the store).
    expect(
      await tenants.setStatus(
        tenant.tenantId,
        { status: 'active', reason: 'x', by: 'op' },
        { status: 'active' },
      ),
    ).toBeUndefined();
  });

  test('the rate limiter admits exactly its capacity and refuses after (the condition path)', async () => {
    const c = clock();
    const limiter = new DynamoRateLimiter({ client: signed, tableName: db.tables.limits, now: c.now });
    const limits = { requests: 5, inputTokens: 1_000, outputTokens: 1_000 };
    let admitted = 0;
    for (let i = 0; i < 8; i++)
      if ((await limiter.admit('signed-rl', limits, { requests: 1 })).allowed) admitted++;
    expect(admitted).toBe(5);
    const refused = await limiter.admit('signed-rl', limits, { requests: 1 });
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
  });

  test('a strike DynamoDB applied but answered after the deadline counts once: thrown (TimeoutError), not sent again', async () => {
    // A relay in front of dynalite that forwards each request at once (so the write is applied) and never answers.
    const relay = await startFaultRelay(db.endpoint, () => 'lose-answer');
    const forwarded = () => relay.seen.length;
    try {
      const slow = new SignedDocumentClient({
        region: 'local',
        endpoint: relay.endpoint,
        credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
        maxAttempts: 3,
        timeoutMs: 100,
      });
      const c = clock();
      const tenants = new DynamoTenantStore({ client: signed, tableName: db.tables.tenants, now: c.now });
      const ladder = new DynamoEnforcementLadder({
        client: slow,
        violationsTable: db.tables.violations,
        tenants,
        audit: new DynamoAuditLog({ client: signed, tableName: db.tables.audit, now: c.now }),
        notifier: { notify: async () => undefined },
        now: c.now,
      });
      // WHEN: one violation, its UpdateItem applied but answered late
      const e = await ladder
        .recordViolation({ tenantId: 'slow-strike', category: 'jailbreak' })
        .catch((x: unknown) => x);
      // THEN: the caller sees the failure (serving counts it as PortErrors{Port=violations}); one attempt only
      expect(e).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 1 } });
      expect(forwarded()).toBe(1);
      // …and the counter holds the one strike the service applied, not two or three.
      const { Item } = await signed.send(
        new GetCommand({
          TableName: db.tables.violations,
          Key: { tenantId: 'slow-strike', window: 'strikes' },
          ConsistentRead: true,
        }),
      );
      const counters = Object.entries(Item ?? {}).filter(([k]) => k.startsWith('b'));
      expect(counters.map(([, v]) => v)).toEqual([1]);
      // An idempotent call through the same relay is still retried on a timeout (the SDK's behaviour).
      const before = forwarded();
      await expect(
        slow.send(
          new GetCommand({ TableName: db.tables.violations, Key: { tenantId: 'slow-strike', window: 'x' } }),
        ),
      ).rejects.toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 3 } });
      expect(forwarded() - before).toBe(3);
    } finally {
      await relay.close();
    }
  });
});
