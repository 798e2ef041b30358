import { Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeGuard } from '../nag';

/** Properties for {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** The region's data key; topic and dead-letter queue are encrypted with it (CloudWatch alarms may use it). */
  readonly encryptionKey: kms.IKey;

  /**
   * On-call email addresses (each confirms its subscription).
   *
   * @default - none
   */
  readonly emails?: readonly string[];

  /**
   * On-call HTTPS endpoints (pager webhooks).
   *
   * @default - none
   */
  readonly httpsEndpoints?: readonly string[];

  /**
   * How long undeliverable notifications are kept in the dead-letter queue.
   *
   * @default Duration.days(14)
   */
  readonly undeliveredRetention?: Duration;
}

/**
 * The region's on-call topic: KMS-encrypted with the region's key, TLS-only, subscribed by the configured email
 * addresses and HTTPS endpoints. Alarms of the stack use {@link alarmAction}. A notification SNS cannot deliver
 * (pager down, mailbox bouncing) lands in {@link undelivered} instead of being dropped.
 */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Action to attach to CloudWatch alarms (`alarm.addAlarmAction(alarms.alarmAction)`). */
  public readonly alarmAction: cloudwatch.IAlarmAction;
  /** Dead-letter queue of every subscription: notifications SNS gave up delivering. */
  public readonly undelivered: sqs.Queue;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.key = props.encryptionKey;
    const stack = Stack.of(this);
    for (const url of props.httpsEndpoints ?? []) {
      if (!url.startsWith('https://'))
        throw new Error(`AlarmTopic: expected an https:// endpoint, got '${url}'`);
    }

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `Safeguards on-call (${stack.stackName})`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });

    this.undelivered = new sqs.Queue(this, 'Undelivered', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: props.undeliveredRetention ?? Duration.days(14),
    });
    const dlqReason =
      'This queue is the dead-letter queue of the on-call SNS subscriptions (cdk-nag only recognizes SQS-to-SQS redrive); a DLQ of a DLQ would only move the problem.';
    acknowledgeGuard(this.undelivered, 'sqs_dlq_check', dlqReason);
    acknowledge(
      this.undelivered,
      { id: 'AwsSolutions-SQS3', reason: dlqReason },
      { id: 'Serverless-SQSRedrivePolicy', reason: dlqReason },
    );

    const deadLetterQueue = this.undelivered;
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue }));
    }
    for (const url of props.httpsEndpoints ?? []) {
      this.topic.addSubscription(
        new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS, deadLetterQueue }),
      );
    }

    // CloudWatch alarms publish, and SNS moves undeliverable messages to the encrypted DLQ, as AWS services:
    // both need the key, for resources of this account only.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsAndSnsOfThisAccountToUseTheKey',
        principals: [
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
          new iam.ServicePrincipal('sns.amazonaws.com'),
        ],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.alarmAction = new cloudwatchActions.SnsAction(this.topic);
  }

  /** Lets `grantee` publish to the topic (and use the key for it). */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    // SNS encrypts the message with a data key of the topic's key on the publisher's behalf.
    this.key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey*');
    return this.topic.grantPublish(grantee);
  }
}
