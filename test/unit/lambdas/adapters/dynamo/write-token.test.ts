import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { GetCommand, type PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoAuditLog } from '../../../../../lambdas/adapters/dynamo/audit-log';
import type { DocumentSender } from '../../../../../lambdas/adapters/dynamo/client';
import {
  isTokenGuarded,
  sendTokenGuardedUpdate,
  tokenGuardedUpdate,
  WRITE_TOKEN_ATTRIBUTE,
} from '../../../../../lambdas/adapters/dynamo/write-token';

/** A `DocumentSender` answering each command with the next of `answers` (a value resolves, an Error rejects). */
function sender(...answers: unknown[]) {
  const sent: object[] = [];
  const client = {
    send: async (command: object) => {
      sent.push(command);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next ?? {};
    },
  } as unknown as DocumentSender;
  return { client, sent };
}

const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item ? { Item: marshall(item) } : {}),
  });

const base = {
  TableName: 't',
  Key: { id: 'a' },
  ExpressionAttributeNames: { '#n': 'n' },
  ExpressionAttributeValues: { ':inc': 1, ':max': 10 },
};

describe('tokenGuardedUpdate', () => {
  test('adds the token to the SET clause, ANDs the guard with the condition, asks for the item on failure', () => {
    const { input } = tokenGuardedUpdate(
      { ...base, UpdateExpression: 'SET #n = #n + :inc REMOVE x', ConditionExpression: '#n <= :max OR y' },
      'tok-1',
    );
    expect(input.UpdateExpression).toBe('SET #wtok = :wtok, #n = #n + :inc REMOVE x');
    // The caller's condition is parenthesized: its OR cannot absorb the guard.
    expect(input.ConditionExpression).toBe(
      '(#n <= :max OR y) AND (attribute_not_exists(#wtok) OR #wtok <> :wtok)',
    );
    expect(input.ExpressionAttributeNames).toEqual({ '#n': 'n', '#wtok': WRITE_TOKEN_ATTRIBUTE });
    expect(input.ExpressionAttributeValues).toEqual({ ':inc': 1, ':max': 10, ':wtok': 'tok-1' });
    expect(input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  test('an expression without SET gets one; a placeholder named like the keyword is not taken for it', () => {
    expect(tokenGuardedUpdate({ ...base, UpdateExpression: 'ADD #n :inc' }, 't').input.UpdateExpression).toBe(
      'ADD #n :inc SET #wtok = :wtok',
    );
    expect(
      tokenGuardedUpdate({ ...base, UpdateExpression: 'ADD #set :set' }, 't').input.UpdateExpression,
    ).toBe('ADD #set :set SET #wtok = :wtok');
    expect(
      tokenGuardedUpdate({ ...base, UpdateExpression: 'ADD #n :inc set #set = :set' }, 't').input
        .UpdateExpression,
    ).toBe('ADD #n :inc SET #wtok = :wtok, #set = :set');
    // No condition of its own: the guard alone.
    expect(
      tokenGuardedUpdate({ ...base, UpdateExpression: 'SET a = :inc' }, 't').input.ConditionExpression,
    ).toBe('attribute_not_exists(#wtok) OR #wtok <> :wtok');
  });

  test('a condition one pair of parentheses already encloses is not wrapped again (DynamoDB refuses redundant ones)', () => {
    const condition = (c: string) =>
      tokenGuardedUpdate({ ...base, UpdateExpression: 'SET a = :inc', ConditionExpression: c }, 't').input
        .ConditionExpression;
    expect(condition('(attribute_not_exists(#n) OR #n <= :max)')).toBe(
      '(attribute_not_exists(#n) OR #n <= :max) AND (attribute_not_exists(#wtok) OR #wtok <> :wtok)',
    );
    // Starts and ends with a parenthesis, not one pair: wrapped.
    expect(condition('(#n > :inc) OR (#n < :max)')).toBe(
      '((#n > :inc) OR (#n < :max)) AND (attribute_not_exists(#wtok) OR #wtok <> :wtok)',
    );
  });

  test('fails when the input already uses the token placeholders (nothing built)', () => {
    expect(() =>
      tokenGuardedUpdate(
        { ...base, UpdateExpression: 'SET a = :wtok', ExpressionAttributeValues: { ':wtok': 1 } },
        't',
      ),
    ).toThrow('#wtok and :wtok are reserved');
    expect(() =>
      tokenGuardedUpdate(
        { ...base, UpdateExpression: 'SET #wtok = :v', ExpressionAttributeNames: { '#wtok': 'x' } },
        't',
      ),
    ).toThrow('reserved');
  });

  test('marks only the commands it builds as safe to re-send', () => {
    expect(isTokenGuarded(tokenGuardedUpdate({ ...base, UpdateExpression: 'ADD #n :inc' }, 't'))).toBe(true);
    expect(isTokenGuarded(new UpdateCommand({ ...base, UpdateExpression: 'ADD #n :inc' }))).toBe(false);
  });
});

describe('sendTokenGuardedUpdate', () => {
  const input = { ...base, UpdateExpression: 'SET #n = #n + :inc', ConditionExpression: '#n <= :max' };

  test('applied at once: the answer, no read', async () => {
    const { client, sent } = sender({ Attributes: { id: 'a', n: 2 } });
    expect(await sendTokenGuardedUpdate(client, input, 'mine')).toEqual({
      applied: true,
      attributes: { id: 'a', n: 2 },
      confirmedByToken: false,
    });
    expect(sent).toHaveLength(1);
  });

  test('a failed condition whose item (ALL_OLD, as DynamoDB sent it) holds this token: applied by an earlier attempt, no read', async () => {
    const { client, sent } = sender(conditionFailed({ id: 'a', n: 3, [WRITE_TOKEN_ATTRIBUTE]: 'mine' }));
    expect(await sendTokenGuardedUpdate(client, input, 'mine')).toEqual({
      applied: true,
      attributes: { id: 'a', n: 3, [WRITE_TOKEN_ATTRIBUTE]: 'mine' },
      confirmedByToken: true,
    });
    expect(sent).toHaveLength(1);
  });

  test("a failed condition on another writer's token, or on none: not applied, the item returned", async () => {
    const other = sender(conditionFailed({ id: 'a', n: 11, [WRITE_TOKEN_ATTRIBUTE]: 'theirs' }));
    expect(await sendTokenGuardedUpdate(other.client, input, 'mine')).toEqual({
      applied: false,
      item: { id: 'a', n: 11, [WRITE_TOKEN_ATTRIBUTE]: 'theirs' },
    });
    const none = sender(conditionFailed({ id: 'a', n: 11 }));
    expect(await sendTokenGuardedUpdate(none.client, input, 'mine')).toMatchObject({ applied: false });
  });

  test('a failed condition without the item: one consistent GetItem of the key decides', async () => {
    const mine = sender(conditionFailed(), { Item: { id: 'a', [WRITE_TOKEN_ATTRIBUTE]: 'mine' } });
    expect(await sendTokenGuardedUpdate(mine.client, input, 'mine')).toMatchObject({
      applied: true,
      confirmedByToken: true,
    });
    const read = mine.sent[1] as GetCommand;
    expect(read).toBeInstanceOf(GetCommand);
    expect(read.input).toEqual({ TableName: 't', Key: { id: 'a' }, ConsistentRead: true });
    const gone = sender(conditionFailed(), {});
    expect(await sendTokenGuardedUpdate(gone.client, input, 'mine')).toEqual({
      applied: false,
      item: undefined,
    });
  });

  test('other errors, and a failed read-back, are thrown', async () => {
    const throttled = new DynamoDBServiceException({
      name: 'ProvisionedThroughputExceededException',
      $fault: 'client',
      $metadata: {},
      message: 'slow down',
    });
    await expect(sendTokenGuardedUpdate(sender(throttled).client, input)).rejects.toBe(throttled);
    const readFails = new Error('read failed');
    await expect(sendTokenGuardedUpdate(sender(conditionFailed(), readFails).client, input)).rejects.toBe(
      readFails,
    );
  });

  test('each call has its own token unless given one', async () => {
    const { client, sent } = sender({}, {});
    await sendTokenGuardedUpdate(client, input);
    await sendTokenGuardedUpdate(client, input);
    const tokens = sent.map((c) => (c as UpdateCommand).input.ExpressionAttributeValues?.[':wtok']);
    expect(typeof tokens[0]).toBe('string');
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});

describe('DynamoAuditLog.append re-sent after it was applied', () => {
  const entry = { subject: 'acme', actor: 'system:ladder', action: 'status.suspend', reason: 'r' } as const;
  const put = (sent: object[]) => (sent[0] as PutCommand).input;

  test('the failed condition returns this very event: appended once, resolved', async () => {
    const { client, sent } = sender();
    const log = new DynamoAuditLog({ client, tableName: 'audit', now: () => 1_700_000_000_000 });
    // The first put reached the table; its answer was lost and the re-send failed on the event it wrote.
    (client as { send: unknown }).send = async (command: PutCommand) => {
      sent.push(command);
      throw conditionFailed(command.input.Item);
    };
    const event = await log.append({
      ...entry,
      before: { status: 'active' },
      after: { status: 'suspended' },
    });
    expect(put(sent).ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(event).toMatchObject({ ...entry, at: 1_700_000_000_000 });
  });

  test('another event under the id, or no item returned: the failure is thrown', async () => {
    const clash = sender(conditionFailed({ ...entry, eventId: 'x', at: 1, reason: 'other' }));
    await expect(
      new DynamoAuditLog({ client: clash.client, tableName: 'audit' }).append(entry),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const bare = sender(conditionFailed());
    await expect(
      new DynamoAuditLog({ client: bare.client, tableName: 'audit' }).append(entry),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});
