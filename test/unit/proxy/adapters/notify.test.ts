import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { fanOut, snsNotifier } from '../../../../lambdas/adapters/notify/sns';

const notification = {
  tenantId: 'tenant-42',
  actor: 'system:ladder',
  before: { status: 'active' as const },
  after: { status: 'suspended' as const, until: 1_800_000_000_000 },
  reason: 'ladder: 10 blocks in 1 h',
  auditEventId: '1800000000000-abcdef0123456789',
};

describe('enforcement notifications', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  test('publishes one JSON message per status change to the topic', async () => {
    // GIVEN
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const topic = 'arn:aws:sns:eu-west-1:111111111111:alarms';
    // WHEN
    await snsNotifier(new SNSClient({ region: 'eu-west-1' }), topic).notify(notification);
    // THEN
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: topic,
      Subject: 'Safeguards: tenant active → suspended',
      MessageAttributes: expect.objectContaining({
        status: { DataType: 'String', StringValue: 'suspended' },
      }),
    });
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
    expect(message).toEqual(
      expect.objectContaining({
        kind: 'enforcement.status-change',
        tenantId: 'tenant-42',
        auditEventId: notification.auditEventId,
      }),
    );
  });

  test('fan-out: a failing SNS publish does not stop the log notifier, and the error surfaces', async () => {
    sns.on(PublishCommand).rejects(new Error('endpoint unreachable'));
    const logged: string[] = [];
    const log = { notify: async (n: typeof notification) => void logged.push(n.tenantId) };
    const both = fanOut(
      log,
      snsNotifier(new SNSClient({ region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:1:t'),
    );
    await expect(both.notify(notification)).rejects.toThrow('endpoint unreachable');
    expect(logged).toEqual(['tenant-42']);
  });
});
