import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { localPseudonymizer } from '../../../../../lambdas/adapters/hmac';
import { enforcementMessage, fanOut, snsNotifier } from '../../../../../lambdas/adapters/notify/sns';
import type { Pseudonymize } from '../../../../../lambdas/core/serving/types';

const notification = {
  tenantId: 'tenant-42',
  actor: 'system:ladder',
  before: { status: 'active' as const },
  after: { status: 'suspended' as const, until: 1_800_000_000_000 },
  reason: 'ladder: 10 blocks in 1 h',
  auditEventId: '1800000000000-abcdef0123456789',
};

const OPERATOR = 'arn:aws:sts::111111111111:assumed-role/SafeguardsOperator/alice@example.com';
const operatorChange = {
  ...notification,
  tenantId: 'patient-john-doe',
  actor: OPERATOR,
  reason: `abuse report on patient-john-doe by ${OPERATOR}, see arn:aws:iam::111111111111:role/Other`,
};

const pseudonymize = localPseudonymizer(new Uint8Array(32).fill(7));

/** Every published message, parsed. */
const published = (sns: ReturnType<typeof mockClient>): unknown[] =>
  sns.commandCalls(PublishCommand).map((c) => JSON.parse((c.args[0].input as { Message: string }).Message));

describe('enforcement notifications', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  test('publishes one JSON message per status change to the topic, naming the tenant by pseudonym', async () => {
    // GIVEN
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const topic = 'arn:aws:sns:eu-west-1:111111111111:alarms';
    // WHEN
    await snsNotifier(new SNSClient({ region: 'eu-west-1' }), topic, pseudonymize).notify(notification);
    // THEN
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: topic,
      Subject: 'Safeguards: tenant active → suspended',
      MessageAttributes: expect.objectContaining({
        status: { DataType: 'String', StringValue: 'suspended' },
      }),
    });
    expect(published(sns)).toEqual([
      {
        kind: 'enforcement.status-change',
        tenant: await pseudonymize('tenant', 'tenant-42'),
        actor: 'system:ladder',
        before: notification.before,
        after: notification.after,
        reason: notification.reason,
        auditEventId: notification.auditEventId,
      },
    ]);
  });

  test('an operator change reaches on-call subscribers with no raw tenant id and no principal ARN', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await snsNotifier(
      new SNSClient({ region: 'eu-west-1' }),
      'arn:aws:sns:eu-west-1:1:t',
      pseudonymize,
    ).notify(operatorChange);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    const wire = JSON.stringify(input);
    expect(wire).not.toContain('patient-john-doe');
    expect(wire).not.toContain('alice@example.com');
    expect(wire).not.toMatch(/arn:aws:(sts|iam)/);
    const tenant = await pseudonymize('tenant', 'patient-john-doe');
    const actor = await pseudonymize('principal', OPERATOR);
    expect(published(sns)).toEqual([
      expect.objectContaining({
        tenant,
        actor,
        reason: `abuse report on ${tenant} by ${actor}, see [arn]`,
      }),
    ]);
    expect(tenant).toMatch(/^tn_[0-9a-f]{32}$/);
    expect(actor).toMatch(/^pr_[0-9a-f]{32}$/);
  });

  test('fails closed: when no pseudonym can be computed nothing is published', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    const broken: Pseudonymize = async () => {
      throw new Error('KMS unavailable');
    };
    await expect(
      snsNotifier(new SNSClient({ region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:1:t', broken).notify(
        operatorChange,
      ),
    ).rejects.toThrow('KMS unavailable');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  test('a system actor is kept; an actor that only looks like one is pseudonymized', async () => {
    expect((await enforcementMessage(notification, pseudonymize)).actor).toBe('system:ladder');
    const spoofed = await enforcementMessage(
      { ...notification, actor: 'system:ladder arn:aws:iam::1:x' },
      pseudonymize,
    );
    expect(spoofed.actor).toMatch(/^pr_/);
  });

  test('fan-out: a failing SNS publish does not stop the log notifier, and the error surfaces', async () => {
    sns.on(PublishCommand).rejects(new Error('endpoint unreachable'));
    const logged: string[] = [];
    const log = { notify: async (n: typeof notification) => void logged.push(n.tenantId) };
    const both = fanOut(
      log,
      snsNotifier(new SNSClient({ region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:1:t', pseudonymize),
    );
    await expect(both.notify(notification)).rejects.toThrow('endpoint unreachable');
    expect(logged).toEqual(['tenant-42']);
  });
});
