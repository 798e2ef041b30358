import 'aws-sdk-client-mock-jest';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { AuditEntry } from '../../../../../lambdas/adapters/dynamo/audit-log';
import { createDocumentClient } from '../../../../../lambdas/adapters/dynamo/client';
import { DynamoEnforcementLadder, STRIKES_WINDOW } from '../../../../../lambdas/adapters/dynamo/ladder-store';
import type { AuditEvent } from '../../../../../lambdas/core/enforcement/audit';
import { DEFAULT_LADDER } from '../../../../../lambdas/core/enforcement/ladder';
import { clock } from '../../../../support/clock';

const ddb = mockClient(DynamoDBDocumentClient);
const MINUTE = 60_000;

function ladder() {
  const c = clock(1_700_000_000_000 - (1_700_000_000_000 % MINUTE));
  const store = new DynamoEnforcementLadder({
    client: createDocumentClient({ region: 'eu-west-1' }),
    violationsTable: 'violations',
    tenants: { keysOf: jest.fn(), setStatus: jest.fn() },
    audit: { append: jest.fn() },
    notifier: { notify: jest.fn() },
    now: c.now,
  });
  return { c, store };
}

const bucket = (start: number, category: string) => `b${String(start).padStart(13, '0')}#${category}`;

describe('DynamoEnforcementLadder.clearStrikes', () => {
  beforeEach(() => {
    ddb.reset();
    ddb.on(UpdateCommand).resolves({});
  });

  it('GIVEN a strike item WHEN strikes are cleared THEN it is read with one consistent GetItem on its key (no Query) and its counters removed', async () => {
    // GIVEN two counters in the current windows and one aged out of every window
    const { c, store } = ladder();
    const now = c.now();
    const oldest = Math.max(...DEFAULT_LADDER.rules.map((r) => r.windowMs));
    ddb.on(GetCommand).resolves({
      Item: {
        tenantId: 'acme',
        window: STRIKES_WINDOW,
        expiresAt: 1,
        [bucket(now, 'harmful')]: 2,
        [bucket(now - MINUTE, 'jailbreak')]: 1,
        [bucket(now - oldest - 2 * MINUTE, 'harmful')]: 5,
      },
    });
    // WHEN the operator's reinstate clears them
    const cleared = await store.clearStrikes('acme');
    // THEN one GetItem on the strike item's key, strongly consistent
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'violations',
      Key: { tenantId: 'acme', window: STRIKES_WINDOW },
      ConsistentRead: true,
    });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    // AND every counter is removed, the count names those of the current windows
    expect(cleared).toBe(2);
    const update = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.Key).toEqual({ tenantId: 'acme', window: STRIKES_WINDOW });
    expect(Object.values(update?.ExpressionAttributeNames ?? {}).sort()).toEqual(
      [
        bucket(now, 'harmful'),
        bucket(now - MINUTE, 'jailbreak'),
        bucket(now - oldest - 2 * MINUTE, 'harmful'),
      ].sort(),
    );
  });

  it('GIVEN a tenant without a strike item THEN nothing is removed and 0 is returned', async () => {
    const { store } = ladder();
    ddb.on(GetCommand).resolves({});
    expect(await store.clearStrikes('never-struck')).toBe(0);
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });
});

describe('DynamoEnforcementLadder.applyStatus', () => {
  beforeEach(() => ddb.reset());

  it('GIVEN a suspension applied WHEN counting it fails (an answer lost after the write, not re-sent) THEN its audit event and notification are still written, and the failure is thrown', async () => {
    // GIVEN the status change applied and the suspension counter's UpdateItem failing
    const c = clock();
    const append = jest.fn(
      async (e: AuditEntry): Promise<AuditEvent> => ({ ...e, eventId: 'e-1', at: c.now() }),
    );
    const notify = jest.fn(async () => undefined);
    const timeout = Object.assign(new Error('no response within 3000 ms'), { name: 'TimeoutError' });
    ddb.on(UpdateCommand).rejects(timeout);
    const store = new DynamoEnforcementLadder({
      client: createDocumentClient({ region: 'eu-west-1' }),
      violationsTable: 'violations',
      tenants: {
        keysOf: jest.fn(),
        setStatus: jest.fn(async () => ({
          before: { status: 'active' as const },
          after: { status: 'suspended' as const, until: c.now() + 1 },
          keysUpdated: 1,
        })),
      },
      audit: { append },
      notifier: { notify },
      now: c.now,
    });
    // WHEN the ladder suspends the tenant
    const outcome = store.applyStatus(
      'acme',
      { status: 'suspended', reason: 'r', until: c.now() + 1 },
      'system:ladder',
      {
        status: 'active',
      },
    );
    // THEN the counter's failure reaches the caller (counted there), after the audit event and the notification
    await expect(outcome).rejects.toBe(timeout);
    expect(append).toHaveBeenCalledTimes(1);
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ tenantId: 'acme', auditEventId: 'e-1' }));
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });
});
