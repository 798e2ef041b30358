import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic';
import type { ClassifierEndpoint } from './classifier-endpoint';
import type { EnforcementTables } from './enforcement-tables';
import { buildDashboard } from './monitoring-dashboard';
import { ServingMetrics } from './monitoring-metrics';
import type { ServingApi } from './serving-api';
import type { ServingFunctions } from './serving-functions';
import type { TelemetryStore } from './telemetry-store';

/** Where the runbooks live, relative to the repository root. Every alarm description names one of them. */
export const RUNBOOK_DIR = 'docs/runbooks';

/** Runbook (file name without `.md`) of each alarm family. */
export type Runbook =
  | 'added-latency'
  | 'classifier'
  | 'fail-open'
  | 'block-rate'
  | 'authorizer'
  | 'rate-limited'
  | 'api-errors'
  | 'telemetry-delivery'
  | 'dynamodb'
  | 'lambda'
  | 'enforcement-live'
  | 'port-errors'
  | 'safeguards-degraded';

/**
 * `page`: wakes someone now (only the composite "safeguards degraded" alarm). `notify`: goes to the same topic
 * for the on-call to look at in working hours, unless it is also part of the composite.
 */
export type Severity = 'page' | 'notify';

/** One alarm of the region with the runbook it links to. */
export interface MonitoredAlarm {
  readonly alarm: cloudwatch.IAlarm;
  readonly runbook: Runbook;
  readonly severity: Severity;
}

/** Properties for {@link Monitoring}. */
export interface MonitoringProps {
  readonly serving: ServingFunctions;
  readonly api: ServingApi;
  readonly telemetry: TelemetryStore;
  readonly tables: EnforcementTables;
  /** Every alarm notifies this topic; the composite one pages through it. */
  readonly alarmTopic: AlarmTopic;

  /**
   * The tier-2 endpoint. Its alarms (model latency, 5xx, tier-2 timeouts and errors) exist only when it does.
   *
   * @default - no tier-2 alarms
   */
  readonly classifier?: ClassifierEndpoint;

  /**
   * Budget of the proxy's added latency (total − upstream) at p99; breached 3 of 5 minutes → alarm.
   *
   * @default Duration.millis(50)
   */
  readonly addedLatencyBudget?: Duration;

  /**
   * Budget of the tier-2 endpoint's `ModelLatency` at p99; breached 3 of 5 minutes → alarm. Pass the tier-2
   * deadline (or a little under it): past it the proxy gives up and the category's fail mode applies.
   *
   * @default Duration.millis(150)
   */
  readonly classifierLatencyBudget?: Duration;

  /**
   * Fail-open events in a 5-minute window that raise the alarm (and so page, through the composite). One event
   * is a request that passed a check that did not run: it is counted (`FailOpen` metric, decision record with
   * `failMode.applied = "open"`, the `fail-open-incidents` saved query) but does not page, because an isolated
   * tier-2 deadline miss on a category that fails open is expected at any traffic. Five in five minutes is a
   * sustained failure (a tier-2 endpoint timing out about once a minute, a store failing admission) or a burst,
   * either of which someone must look at; an attacker who can induce fail-opens gets at most four unchecked
   * requests per window before the page.
   *
   * @default 5
   */
  readonly failOpenPer5Minutes?: number;

  /**
   * Tier-2 timeouts per minute tolerated (3 of 5 minutes above it → alarm).
   *
   * @default 10
   */
  readonly tier2TimeoutsPerMinute?: number;

  /**
   * Tier-2 errors per minute tolerated (3 of 5 minutes above it → alarm).
   *
   * @default 5
   */
  readonly tier2ErrorsPerMinute?: number;

  /**
   * Share of API requests answered 5xx tolerated (0–1; 3 of 5 minutes above it → alarm).
   *
   * @default 0.05
   */
  readonly api5xxRate?: number;

  /**
   * Requests the model itself throttled (`RateLimited{Source=upstream}`) tolerated per 5 minutes.
   *
   * @default 20
   */
  readonly upstreamThrottledPer5Minutes?: number;

  /**
   * Age of the oldest decision record not yet in S3 tolerated (Firehose `DeliveryToS3.DataFreshness`).
   *
   * @default Duration.minutes(15)
   */
  readonly telemetryFreshness?: Duration;

  /**
   * Width (standard deviations) of the anomaly-detection bands (block rate, tenant rate limiting).
   *
   * @default 3
   */
  readonly anomalyBandWidth?: number;

  /**
   * Whether the canary publishes `EnforcementLive` every minute. While it does not, missing data is not breaching
   * (the alarm only fires on a reported failed probe); once it does, missing data is breaching (a dead canary or a
   * dead path pages). Turn on with the canary, never before: otherwise "safeguards degraded" pages forever.
   *
   * @default false
   */
  readonly canaryActive?: boolean;

  /**
   * Prefix of the runbook links in alarm descriptions (e.g. the repository's browse URL ending in
   * `/docs/runbooks/`).
   *
   * @default - the repository-relative path `docs/runbooks/`
   */
  readonly runbookBaseUrl?: string;
}

/**
 * The region's alarms, "safeguards degraded" composite and dashboard, all from the metrics the code emits: the
 * proxy's and authorizer's EMF metrics ({@link ServingMetrics}), API Gateway, Lambda, DynamoDB, Firehose and the
 * tier-2 SageMaker endpoint. Every alarm's description starts with its severity, says what it means in one line
 * and links its runbook (`docs/runbooks/<family>.md`); every alarm notifies the region's on-call topic, and the
 * composite (any of fail-open, added latency, API 5xx, enforcement not live, telemetry delivery) is the one that
 * pages.
 *
 * The cross-region overview is not here: it must live outside the regional stacks (docs/residency-model.md).
 */
export class Monitoring extends Construct {
  /** Every alarm of the region, composite included, with its runbook and severity. */
  public readonly alarms: readonly MonitoredAlarm[];
  /** "Safeguards degraded": the paging composite. */
  public readonly degraded: cloudwatch.CompositeAlarm;
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly props: MonitoringProps;
  private readonly list: MonitoredAlarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    validate(props);
    this.props = props;
    const { serving, api, telemetry, tables, classifier } = props;
    const bandWidth = props.anomalyBandWidth ?? 3;

    // Proxy: the safeguards' own cost and failures.
    const addedLatencyBudget = props.addedLatencyBudget ?? Duration.millis(50);
    const addedLatency = this.alarm('AddedLatencyP99', {
      runbook: 'added-latency',
      meaning: `proxy added latency (total - upstream) p99 above ${addedLatencyBudget.toMilliseconds()} ms for 3 of 5 minutes`,
      metric: ServingMetrics.addedLatency(),
      threshold: addedLatencyBudget.toMilliseconds(),
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
    const failOpenCount = props.failOpenPer5Minutes ?? 5;
    const failOpen = this.alarm('FailOpen', {
      runbook: 'fail-open',
      meaning: `${failOpenCount} or more checks failed open (or admission failed open) within 5 minutes: requests passed unchecked`,
      metric: ServingMetrics.failures('open', Duration.minutes(5)),
      threshold: failOpenCount,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.anomalyAlarm('BlockRateAnomaly', {
      runbook: 'block-rate',
      meaning:
        'share of blocked decisions outside its expected band (either direction) for 3 of 3 five-minute periods',
      comparison: 'LessThanLowerOrGreaterThanUpperThreshold',
      bandWidth,
      ...blockShareQueries(),
    });
    this.alarm('AuthorizerErrors', {
      runbook: 'authorizer',
      meaning: 'the authorizer could not read tenants or limits and failed closed (clients got 403/500)',
      metric: ServingMetrics.authorizerErrors({ period: Duration.minutes(5) }),
      threshold: 0,
      evaluationPeriods: 1,
    });
    this.alarm('PortErrors', {
      runbook: 'port-errors',
      meaning:
        'more than 5 port calls (telemetry, violations, admission, pseudonymize, controls) failed while serving requests in 2 of 3 five-minute periods (fail modes applied)',
      metric: ServingMetrics.servingPortErrors(),
      threshold: 5,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    this.alarm('BackgroundPortErrors', {
      runbook: 'port-errors',
      meaning:
        'background table calls (tenant/controls refresh, lease renewal, strike-counter cleanup) failed in 2 of 3 five-minute periods: the path falls back to inline reads',
      metric: ServingMetrics.backgroundPortErrors(),
      threshold: 0,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    this.anomalyAlarm('RateLimitedAdmissionSpike', {
      runbook: 'rate-limited',
      meaning:
        'requests refused 429 by tenant rate limits above their expected band for 3 of 3 five-minute periods',
      comparison: 'GreaterThanUpperThreshold',
      bandWidth,
      metrics: [
        { id: 'm0', metric: ServingMetrics.rateLimited('admission', { period: Duration.minutes(5) }) },
      ],
      returnId: 'm0',
    });
    this.alarm('RateLimitedUpstream', {
      runbook: 'rate-limited',
      meaning: `the model throttled the proxy more than ${props.upstreamThrottledPer5Minutes ?? 20} times in 5 minutes, 2 of 3 periods`,
      metric: ServingMetrics.rateLimited('upstream', { period: Duration.minutes(5) }),
      threshold: props.upstreamThrottledPer5Minutes ?? 20,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    // Tier 2 (only with an endpoint).
    if (classifier) {
      const budget = props.classifierLatencyBudget ?? Duration.millis(150);
      this.alarm('ClassifierModelLatencyP99', {
        runbook: 'classifier',
        meaning: `tier-2 endpoint ModelLatency p99 above ${budget.toMilliseconds()} ms for 3 of 5 minutes (calls near the deadline time out)`,
        // ModelLatency is in microseconds.
        metric: classifier.metricModelLatency(),
        threshold: budget.toMilliseconds() * 1000,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      });
      this.alarm('ClassifierInvocation5xx', {
        runbook: 'classifier',
        meaning: 'tier-2 endpoint answered 5xx in 3 of 5 minutes',
        metric: classifier.metricInvocationErrors(),
        threshold: 0,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      });
      this.alarm('Tier2Timeouts', {
        runbook: 'classifier',
        meaning: `more than ${props.tier2TimeoutsPerMinute ?? 10} tier-2 timeouts a minute for 3 of 5 minutes (fail modes applied)`,
        metric: ServingMetrics.tier2Timeouts(),
        threshold: props.tier2TimeoutsPerMinute ?? 10,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      });
      this.alarm('Tier2Errors', {
        runbook: 'classifier',
        meaning: `more than ${props.tier2ErrorsPerMinute ?? 5} tier-2 errors a minute for 3 of 5 minutes (fail modes applied)`,
        metric: ServingMetrics.tier2Errors(),
        threshold: props.tier2ErrorsPerMinute ?? 5,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      });
    }

    // API Gateway: 5xx share of the stage (Average of 5XXError is the rate).
    const apiRate = props.api5xxRate ?? 0.05;
    const api5xx = this.alarm('Api5xxRate', {
      runbook: 'api-errors',
      meaning: `more than ${apiRate * 100}% of API requests answered 5xx for 3 of 5 minutes`,
      metric: api.stage.metricServerError({ statistic: 'Average', period: Duration.minutes(1) }),
      threshold: apiRate,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });

    // Telemetry: decision records reaching S3 (Firehose delivers every 60 s while records flow).
    const stream = telemetry.deliveryStream;
    const deliverySuccess = this.alarm('TelemetryDeliverySuccess', {
      runbook: 'telemetry-delivery',
      meaning:
        'Firehose failed to deliver decision records to the telemetry bucket (DeliveryToS3.Success < 1)',
      metric: stream.metric('DeliveryToS3.Success', { statistic: 'Minimum', period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    const freshness = props.telemetryFreshness ?? Duration.minutes(15);
    const deliveryFreshness = this.alarm('TelemetryDataFreshness', {
      runbook: 'telemetry-delivery',
      meaning: `oldest decision record waiting in Firehose older than ${freshness.toMinutes()} minutes (records at risk)`,
      metric: stream.metric('DeliveryToS3.DataFreshness', {
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: freshness.toSeconds(),
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    // DynamoDB: per table, the operations the serving path and the operator CLI use.
    for (const [name, table] of Object.entries(tableMap(tables))) {
      const label = name.replace('Table', '').toLowerCase();
      this.alarm(`${name}Throttles`, {
        runbook: 'dynamodb',
        meaning: `the ${label} table throttled requests in 2 of 3 minutes`,
        metric: table.metricThrottledRequestsForOperations({
          operations: TABLE_OPERATIONS,
          period: Duration.minutes(1),
        }),
        threshold: 0,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
      this.alarm(`${name}SystemErrors`, {
        runbook: 'dynamodb',
        meaning: `the ${label} table returned system errors (HTTP 500) in 2 of 3 minutes`,
        metric: table.metricSystemErrorsForOperations({
          operations: TABLE_OPERATIONS,
          period: Duration.minutes(1),
        }),
        threshold: 0,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }

    // Lambda: per function.
    const functions: Record<string, lambda.IFunction> = {
      Proxy: serving.proxy,
      Authorizer: serving.authorizer,
    };
    for (const [name, fn] of Object.entries(functions)) {
      this.alarm(`${name}FunctionErrors`, {
        runbook: 'lambda',
        meaning: `the ${name.toLowerCase()} function raised errors (crashes, timeouts) in 3 of 5 minutes`,
        metric: fn.metricErrors({ period: Duration.minutes(1) }),
        threshold: 0,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      });
      this.alarm(`${name}FunctionThrottles`, {
        runbook: 'lambda',
        meaning: `the ${name.toLowerCase()} function was throttled (concurrency exhausted) in 2 of 3 minutes`,
        metric: fn.metricThrottles({ period: Duration.minutes(1) }),
        threshold: 0,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }

    // Canary (built later): see `canaryActive`.
    const canaryActive = props.canaryActive ?? false;
    const enforcementLive = this.alarm('EnforcementLive', {
      runbook: 'enforcement-live',
      meaning: canaryActive
        ? 'canary probes show enforcement is not live (EnforcementLive < 1, or no canary data) in 2 of 3 minutes'
        : 'canary probes show enforcement is not live (EnforcementLive < 1) in 2 of 3 minutes; missing data ignored until the canary is active',
      metric: ServingMetrics.enforcementLive(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: canaryActive
        ? cloudwatch.TreatMissingData.BREACHING
        : cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.degraded = new cloudwatch.CompositeAlarm(this, 'SafeguardsDegraded', {
      alarmDescription: this.description(
        'page',
        'safeguards-degraded',
        'safeguards degraded: requests unchecked, too slow, failing, unprobed or unrecorded (any of fail-open, added latency, API 5xx, enforcement live, telemetry delivery)',
      ),
      alarmRule: cloudwatch.AlarmRule.anyOf(
        ...[failOpen, addedLatency, api5xx, enforcementLive, deliverySuccess, deliveryFreshness].map((a) =>
          cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM),
        ),
      ),
    });
    this.degraded.addAlarmAction(props.alarmTopic.alarmAction);
    this.degraded.addOkAction(props.alarmTopic.alarmAction);
    Tags.of(this.degraded).add('safeguards:severity', 'page');
    this.list.push({ alarm: this.degraded, runbook: 'safeguards-degraded', severity: 'page' });
    this.alarms = this.list;

    this.dashboard = buildDashboard(this, 'Dashboard', {
      serving,
      api,
      telemetry,
      ...(classifier ? { classifier } : {}),
      addedLatencyBudget,
      alarms: [this.degraded, ...this.list.filter((a) => a.alarm !== this.degraded).map((a) => a.alarm)],
    });
  }

  /** `[notify] <meaning>. Runbook: docs/runbooks/<runbook>.md` */
  private description(severity: Severity, runbook: Runbook, meaning: string): string {
    const base = this.props.runbookBaseUrl ?? `${RUNBOOK_DIR}/`;
    return `[${severity}] ${meaning}. Runbook: ${base}${runbook}.md`;
  }

  /** A static-threshold alarm that notifies the topic. */
  private alarm(
    id: string,
    options: {
      readonly runbook: Runbook;
      readonly meaning: string;
      readonly metric: cloudwatch.IMetric;
      readonly threshold: number;
      readonly evaluationPeriods: number;
      readonly datapointsToAlarm?: number;
      readonly comparisonOperator?: cloudwatch.ComparisonOperator;
      readonly treatMissingData?: cloudwatch.TreatMissingData;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      datapointsToAlarm: options.datapointsToAlarm ?? options.evaluationPeriods,
      comparisonOperator: options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: this.description('notify', options.runbook, options.meaning),
    });
    alarm.addAlarmAction(this.props.alarmTopic.alarmAction);
    Tags.of(alarm).add('safeguards:severity', 'notify');
    this.list.push({ alarm, runbook: options.runbook, severity: 'notify' });
    return alarm;
  }

  /**
   * An anomaly-detection alarm (L1: the L2 has no band threshold). `metrics` are the queries, `returnId` the
   * series judged against `ANOMALY_DETECTION_BAND(returnId, bandWidth)`; 3 of 3 five-minute periods.
   */
  private anomalyAlarm(
    id: string,
    options: {
      readonly runbook: Runbook;
      readonly meaning: string;
      readonly comparison: 'LessThanLowerOrGreaterThanUpperThreshold' | 'GreaterThanUpperThreshold';
      readonly bandWidth: number;
      readonly metrics: readonly AnomalyQuery[];
      readonly returnId: string;
    },
  ): cloudwatch.IAlarm {
    const stack = Stack.of(this);
    const queries: cloudwatch.CfnAlarm.MetricDataQueryProperty[] = options.metrics.map((q) => {
      if ('expression' in q) {
        return { id: q.id, expression: q.expression, label: q.label, returnData: q.id === options.returnId };
      }
      const config = q.metric.toMetricConfig().metricStat!;
      return {
        id: q.id,
        returnData: q.id === options.returnId,
        metricStat: {
          metric: {
            namespace: config.namespace,
            metricName: config.metricName,
            dimensions: (config.dimensions ?? []).map((d) => ({
              name: d.name,
              value: stack.resolve(d.value),
            })),
          },
          period: config.period.toSeconds(),
          stat: config.statistic,
        },
      };
    });
    const cfn = new cloudwatch.CfnAlarm(this, id, {
      alarmDescription: this.description('notify', options.runbook, options.meaning),
      comparisonOperator: options.comparison,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      thresholdMetricId: 'band',
      treatMissingData: 'notBreaching',
      actionsEnabled: true,
      // The same target as `alarmTopic.alarmAction` (an SnsAction on the topic), which only binds to L2 alarms.
      alarmActions: [this.props.alarmTopic.topic.topicArn],
      metrics: [
        ...queries,
        {
          id: 'band',
          expression: `ANOMALY_DETECTION_BAND(${options.returnId}, ${options.bandWidth})`,
          label: 'expected band',
          returnData: true,
        },
      ],
    });
    Tags.of(cfn).add('safeguards:severity', 'notify');
    const alarm = cloudwatch.Alarm.fromAlarmArn(this, `${id}Ref`, cfn.attrArn);
    this.list.push({ alarm, runbook: options.runbook, severity: 'notify' });
    return alarm;
  }
}

/** A query of an anomaly alarm: a metric or an expression over other ids. */
type AnomalyQuery =
  | { readonly id: string; readonly metric: cloudwatch.Metric }
  | { readonly id: string; readonly expression: string; readonly label: string };

/**
 * Share of blocked decisions (percent) over five minutes: blocked `Decisions` of every served route divided by all
 * requests (the sample count of `AddedLatency`, which every decision record emits exactly once). `zero` (0 × the
 * request count) gives the sum a data point in every period with traffic, so a period without any block reads 0 %
 * rather than missing — a drop to zero is exactly what the lower band must see.
 */
export const blockShareQueries = (): { metrics: AnomalyQuery[]; returnId: string } => {
  const period = Duration.minutes(5);
  const blocked = ServingMetrics.decisionsFor('block', period).usingMetrics;
  const metrics: AnomalyQuery[] = Object.entries(blocked).map(([id, m]) => ({
    id,
    metric: m as cloudwatch.Metric,
  }));
  metrics.push({ id: 'requests', metric: ServingMetrics.requests({ period }) });
  metrics.push({ id: 'zero', expression: '0 * requests', label: 'zero' });
  metrics.push({
    id: 'blockedShare',
    expression: `100 * SUM([${Object.keys(blocked).join(',')},zero]) / requests`,
    label: 'Blocked share (%)',
  });
  return { metrics, returnId: 'blockedShare' };
};

/** Operations on the enforcement tables (serving path: Get/Put/Update/Query; operator CLI: Scan). */
const TABLE_OPERATIONS: dynamodb.Operation[] = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.SCAN,
];

const tableMap = (tables: EnforcementTables): Record<string, dynamodb.Table> => ({
  TenantsTable: tables.tenants,
  LimitsTable: tables.limits,
  ViolationsTable: tables.violations,
  AuditTable: tables.audit,
});

const validate = (props: MonitoringProps): void => {
  const rate = props.api5xxRate;
  if (rate !== undefined && !(rate > 0 && rate < 1)) {
    throw new Error(`Monitoring: api5xxRate must be between 0 and 1 (exclusive), got ${rate}`);
  }
  const failOpen = props.failOpenPer5Minutes;
  if (failOpen !== undefined && !(Number.isInteger(failOpen) && failOpen >= 1)) {
    throw new Error(`Monitoring: failOpenPer5Minutes must be a positive integer, got ${failOpen}`);
  }
  const width = props.anomalyBandWidth;
  if (width !== undefined && !(width > 0)) {
    throw new Error(`Monitoring: anomalyBandWidth must be positive, got ${width}`);
  }
  for (const [name, d] of [
    ['addedLatencyBudget', props.addedLatencyBudget],
    ['classifierLatencyBudget', props.classifierLatencyBudget],
  ] as const) {
    if (d && !d.isUnresolved() && d.toMilliseconds() <= 0) {
      throw new Error(`Monitoring: ${name} must be positive, got ${d.toHumanString()}`);
    }
  }
};
