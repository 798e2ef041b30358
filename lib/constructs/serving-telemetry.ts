import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { DECISION_SCHEMA } from '../../lambdas/core/decision/record';
import { acknowledge } from '../nag';
import type { TelemetryStore } from './telemetry-store';

/**
 * Selects the proxy's decision-record lines. The proxy writes each record as one JSON line (ADR 0038) whose
 * `message` is the schema id (`{"message":"csp.decision/v1","decision":{…},…}`, lambdas/proxy/instrumentation.ts).
 */
export const DECISION_FILTER_PATTERN = logs.FilterPattern.stringValue('$.message', '=', DECISION_SCHEMA);

/** Properties for {@link DecisionRecordSubscription}. */
export interface DecisionRecordSubscriptionProps {
  /** The proxy's log group. */
  readonly logGroup: logs.ILogGroup;
  /** The region's telemetry store; records go to its delivery stream. */
  readonly telemetry: TelemetryStore;
}

/**
 * Carries decision records from the proxy's log group to the region's Firehose stream (and on to the telemetry
 * bucket): a subscription filter that selects only decision-record lines, with a role CloudWatch Logs of this
 * account and region assumes, allowed nothing but `PutRecord`/`PutRecordBatch` on that one stream.
 */
export class DecisionRecordSubscription extends Construct {
  public readonly role: iam.Role;
  public readonly filter: logs.SubscriptionFilter;

  constructor(scope: Construct, id: string, props: DecisionRecordSubscriptionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: 'CloudWatch Logs: put decision records into the telemetry delivery stream',
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    });
    props.telemetry.grantPutRecords(this.role);
    acknowledge(this.role, {
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        'CDK-generated default policy of the subscription role: firehose:PutRecord/PutRecordBatch on the telemetry stream only.',
    });

    this.filter = new logs.SubscriptionFilter(this, 'Filter', {
      logGroup: props.logGroup,
      destination: new destinations.FirehoseDestination(props.telemetry.deliveryStream, { role: this.role }),
      filterPattern: DECISION_FILTER_PATTERN,
    });
  }
}
