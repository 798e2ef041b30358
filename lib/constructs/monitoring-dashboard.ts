import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { DECISION_SCHEMA } from '../../lambdas/core/decision/record';
import { CATEGORIES } from '../../lambdas/core/types';
import type { ClassifierEndpoint } from './classifier-endpoint';
import { ACTIONS, ServingMetrics, TRIGGER_STAGES } from './monitoring-metrics';
import type { ServingApi } from './serving-api';
import type { ServingFunctions } from './serving-functions';
import type { TelemetryStore } from './telemetry-store';

/** What {@link buildDashboard} draws from. */
export interface MonitoringDashboardProps {
  readonly serving: ServingFunctions;
  readonly api: ServingApi;
  readonly telemetry: TelemetryStore;
  readonly classifier?: ClassifierEndpoint;
  readonly addedLatencyBudget: Duration;
  /** Shown in the alarm status widget, in this order. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/** Titles of the dashboard's widgets, in order (the test checks them). */
export const DASHBOARD_WIDGETS = [
  'Alarms',
  'Traffic',
  'Last 5 minutes',
  'Decisions by action',
  'Blocked share (%)',
  'Categories triggered (input and output)',
  'Added latency (ms)',
  'API and upstream latency (ms)',
  'Stage latency p99 from decision records (ms)',
  'Fail-open and fail-closed',
  'Tier 2 health',
  'Canary: EnforcementLive',
  'Rate limited (429)',
  'Telemetry delivery (Firehose to S3)',
] as const;

const W = 24;
const H = 6;

/**
 * The region's dashboard: the same metrics the alarms use (see {@link ServingMetrics}), plus one Logs Insights
 * widget for the per-stage latencies that only the decision records carry (the proxy emits `AddedLatency` as its
 * only latency metric). Regional only: the cross-region overview must live outside the regional stacks.
 */
export const buildDashboard = (
  scope: Construct,
  id: string,
  props: MonitoringDashboardProps,
): cloudwatch.Dashboard => {
  const { serving, api, telemetry, classifier } = props;
  const period = Duration.minutes(1);
  const stream = telemetry.deliveryStream;
  const blocked = ServingMetrics.decisionsFor('block', Duration.minutes(5));
  const requests5m = ServingMetrics.requests({ period: Duration.minutes(5) });

  const dashboard = new cloudwatch.Dashboard(scope, id, {
    defaultInterval: Duration.hours(3),
    periodOverride: cloudwatch.PeriodOverride.AUTO,
  });

  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: DASHBOARD_WIDGETS[0],
      alarms: [...props.alarms],
      width: W,
      height: 4,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[1],
      width: 16,
      height: H,
      left: [
        api.stage.metricCount({ statistic: 'Sum', period, label: 'API requests' }),
        ServingMetrics.requests({ period, label: 'Decision records' }),
        serving.proxy.metricInvocations({ period, label: 'Proxy invocations' }),
        serving.authorizer.metricInvocations({ period, label: 'Authorizer invocations' }),
      ],
    }),
    new cloudwatch.SingleValueWidget({
      title: DASHBOARD_WIDGETS[2],
      width: 8,
      height: H,
      metrics: [
        ServingMetrics.requests({ period: Duration.minutes(5), label: 'Requests' }),
        blocked.with({ label: 'Blocked' }),
        ServingMetrics.failures('open', Duration.minutes(5)),
        ServingMetrics.enforcementLive({ period: Duration.minutes(5), label: 'EnforcementLive (min)' }),
      ],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[3],
      width: 8,
      height: H,
      stacked: true,
      left: ACTIONS.map((a) => ServingMetrics.decisionsFor(a)),
    }),
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[4],
      width: 8,
      height: H,
      left: [
        new cloudwatch.MathExpression({
          expression: `100 * FILL(blocked, 0) / requests`,
          usingMetrics: { blocked, requests: requests5m },
          label: 'Blocked share (%)',
          period: Duration.minutes(5),
        }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[5],
      width: 8,
      height: H,
      stacked: true,
      left: CATEGORIES.flatMap((c) =>
        TRIGGER_STAGES.map((s) => ServingMetrics.categoryTriggered(c, s, { period, label: `${c} (${s})` })),
      ),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[6],
      width: 8,
      height: H,
      left: ['p50', 'p90', 'p99'].map((statistic) =>
        ServingMetrics.addedLatency({ statistic, period, label: `AddedLatency ${statistic}` }),
      ),
      leftAnnotations: [
        {
          value: props.addedLatencyBudget.toMilliseconds(),
          label: 'p99 budget',
          color: cloudwatch.Color.RED,
        },
      ],
    }),
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[7],
      width: 8,
      height: H,
      left: [
        api.stage.metricLatency({ statistic: 'p99', period, label: 'API Latency p99' }),
        api.stage.metricIntegrationLatency({ statistic: 'p99', period, label: 'Integration latency p99' }),
      ],
      ...(classifier
        ? {
            right: [classifier.metricModelLatency({ period, label: 'Tier-2 ModelLatency p99 (µs)' })],
            rightYAxis: { label: 'µs', showUnits: false },
          }
        : {}),
    }),
    new cloudwatch.LogQueryWidget({
      title: DASHBOARD_WIDGETS[8],
      width: 8,
      height: H,
      logGroupNames: [serving.proxyLogGroup.logGroupName],
      view: cloudwatch.LogQueryVisualizationType.LINE,
      queryLines: [
        'fields @timestamp',
        `filter message = "${DECISION_SCHEMA}"`,
        'stats pct(decision.latencyMs.added, 99) as added, pct(decision.latencyMs.normalize, 99) as normalize, pct(decision.latencyMs.tier0, 99) as tier0, pct(decision.latencyMs.tier1, 99) as tier1, pct(decision.latencyMs.tier2, 99) as tier2, pct(decision.latencyMs.output, 99) as output by bin(5m)',
      ],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[9],
      width: 12,
      height: H,
      left: [ServingMetrics.failures('open'), ServingMetrics.failures('closed')],
    }),
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[10],
      width: 12,
      height: H,
      left: [
        ServingMetrics.tier2Timeouts({ label: 'Tier2Timeouts' }),
        ServingMetrics.tier2Errors({ label: 'Tier2Errors' }),
        ...(classifier
          ? [
              classifier.metricInvocationErrors({ label: 'Endpoint 5xx' }),
              classifier.metricInvocations({ label: 'Endpoint invocations' }),
            ]
          : []),
      ],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[11],
      width: 8,
      height: H,
      left: [ServingMetrics.enforcementLive({ label: 'EnforcementLive (min)' })],
      leftYAxis: { min: 0, max: 1.2 },
      leftAnnotations: [{ value: 1, label: 'live', color: cloudwatch.Color.GREEN }],
    }),
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[12],
      width: 8,
      height: H,
      left: [
        ServingMetrics.rateLimited('admission', { label: 'Tenant limits (admission)' }),
        ServingMetrics.rateLimited('upstream', { label: 'Model throttled (upstream)' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: DASHBOARD_WIDGETS[13],
      width: 8,
      height: H,
      left: [
        stream.metric('DeliveryToS3.Success', {
          statistic: 'Minimum',
          period: Duration.minutes(5),
          label: 'Success (min)',
        }),
      ],
      right: [
        stream.metric('DeliveryToS3.DataFreshness', {
          statistic: 'Maximum',
          period: Duration.minutes(5),
          label: 'DataFreshness (s, max)',
        }),
      ],
    }),
  );
  return dashboard;
};
