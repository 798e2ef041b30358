import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Properties for {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** The region's data key; the topic is encrypted with it (CloudWatch alarms are allowed to use it). */
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
}

/**
 * The region's on-call topic: KMS-encrypted with the region's key, TLS-only, subscribed by the configured email
 * addresses and HTTPS endpoints. Alarms of the stack use {@link alarmAction}.
 */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Action to attach to CloudWatch alarms (`alarm.addAlarmAction(topic.alarmAction)`). */
  public readonly alarmAction: cloudwatch.IAlarmAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
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
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    for (const url of props.httpsEndpoints ?? []) {
      this.topic.addSubscription(
        new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }),
      );
    }

    // CloudWatch alarms publish as the cloudwatch service: it needs the key, for alarms of this account only.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishEncrypted',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.alarmAction = new cloudwatchActions.SnsAction(this.topic);
  }

  /** Lets `grantee` publish to the topic (and use the key for it). */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.topic.grantPublish(grantee);
  }
}
