/**
 * Enforcement notifications (ladder escalations, operator status changes) to the region's SNS topic, for
 * trust & safety. The topic's subscribers include on-call HTTPS endpoints outside AWS, so the message carries
 * pseudonyms only: the tenant as `tn_…`, an IAM principal actor as `pr_…` (system actors such as
 * `system:ladder` as they are), and the reason with the tenant id, the actor and any ARN replaced. T&S resolve
 * the tenant through `auditEventId` in the region's audit table, which holds the raw id.
 * IAM: `sns:Publish` on the topic (AlarmTopic.grantPublish), `kms:GenerateMac` on the HMAC key.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Pseudonymize } from '../../core/serving/types';
import { sdk } from '../aws/lazy-client';
import type { EnforcementNotification, Notifier } from '../dynamo/ladder-store';

/** Actors that name a component of this system, not a person or an IAM principal: shown as they are. */
const SYSTEM_ACTOR = /^system:[a-z][a-z0-9-]*$/;
const ARN = /arn:[A-Za-z0-9-]*:[^\s"',;)]*/g;

/** The message an on-call subscriber receives: no raw tenant id, no principal ARN. */
export interface EnforcementMessage {
  readonly kind: 'enforcement.status-change';
  /** Pseudonym of the tenant (`tn_…`). */
  readonly tenant: string;
  /** `system:…` for the ladder, otherwise the pseudonym of the IAM principal (`pr_…`). */
  readonly actor: string;
  readonly before: EnforcementNotification['before'];
  readonly after: EnforcementNotification['after'];
  /** The reason with the tenant id, the actor and every ARN replaced by pseudonyms or `[arn]`. */
  readonly reason: string;
  /** Audit event of the change: the way back to the raw tenant id, for those allowed to read the audit table. */
  readonly auditEventId: string;
}

/** Builds the subscriber-safe message of a status change. */
export async function enforcementMessage(
  n: EnforcementNotification,
  pseudonymize: Pseudonymize,
): Promise<EnforcementMessage> {
  const tenant = await pseudonymize('tenant', n.tenantId);
  const actor = SYSTEM_ACTOR.test(n.actor) ? n.actor : await pseudonymize('principal', n.actor);
  let reason = n.reason;
  for (const [raw, pseudonym] of [
    [n.actor, actor],
    [n.tenantId, tenant],
  ] as const) {
    if (raw !== '') reason = reason.split(raw).join(pseudonym);
  }
  reason = reason.replace(ARN, '[arn]');
  return {
    kind: 'enforcement.status-change',
    tenant,
    actor,
    before: n.before,
    after: n.after,
    reason,
    auditEventId: n.auditEventId,
  };
}

/**
 * A notifier that publishes one JSON message ({@link EnforcementMessage}) per status change. Failures (publish
 * or pseudonym) propagate to the caller (counted there); a raw identifier is never sent instead.
 */
export function snsNotifier(
  client: Pick<SNSClient, 'send'>,
  topicArn: string,
  pseudonymize: Pseudonymize,
): Notifier {
  return {
    async notify(n: EnforcementNotification) {
      const message = await enforcementMessage(n, pseudonymize);
      // Loaded here, not with this module: a status change is rare.
      const { PublishCommand } = sdk.sns();
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: `Safeguards: tenant ${n.before.status} → ${n.after.status}`.slice(0, 100),
          Message: JSON.stringify(message),
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: message.kind },
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
