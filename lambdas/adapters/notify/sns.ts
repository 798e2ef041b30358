/**
 * Enforcement notifications (ladder escalations, operator status changes) to the region's SNS topic, for
 * trust & safety. The topic is in-region and encrypted with the region's key; the message names the tenant
 * id so that T&S can act on it (decision records, in contrast, carry only pseudonyms).
 * IAM: `sns:Publish` on the topic (AlarmTopic.grantPublish).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { EnforcementNotification, Notifier } from '../dynamo/ladder-store';

/** A notifier that publishes one JSON message per status change. Failures propagate to the caller (counted there). */
export function snsNotifier(client: SNSClient, topicArn: string): Notifier {
  return {
    async notify(n: EnforcementNotification) {
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: `Safeguards: tenant ${n.before.status} → ${n.after.status}`.slice(0, 100),
          Message: JSON.stringify({ kind: 'enforcement.status-change', ...n }),
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: 'enforcement.status-change' },
            status: { DataType: 'String', StringValue: n.after.status },
          },
        }),
      );
    },
  };
}

/** Sends to every notifier; one failing does not stop the others, the first error is rethrown after. */
export function fanOut(...notifiers: readonly Notifier[]): Notifier {
  return {
    async notify(n) {
      const results = await Promise.allSettled(notifiers.map((x) => x.notify(n)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
