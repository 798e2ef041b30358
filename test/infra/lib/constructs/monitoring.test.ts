import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { METRICS_NAMESPACE } from '../../../../lambdas/shared/names';
import { TABLE_LOGICAL_IDS } from '../../../../lib/constructs/enforcement-tables';
import { Monitoring, type MonitoringProps } from '../../../../lib/constructs/monitoring';
import { DASHBOARD_WIDGETS } from '../../../../lib/constructs/monitoring-dashboard';
import { AUTHORIZER_SERVICE, PROXY_SERVICE } from '../../../../lib/constructs/monitoring-metrics';
import { addSafeguardsStacks } from '../../../../lib/safeguards-app';
import type { SafeguardsStack } from '../../../../lib/stacks/safeguards-stack';
import { makeApp, testConfig } from '../../helpers';

process.env['CDK_VALIDATION'] = 'false';

const ROOT = path.resolve(__dirname, '../../../..');
const WITH_CLASSIFIER = 'eu-west-1';
const WITHOUT_CLASSIFIER = 'ap-southeast-2';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}

const templates: Record<string, Template> = {};
let custom: Template;
let customStack: SafeguardsStack;

beforeAll(() => {
  const app = makeApp();
  const stacks = addSafeguardsStacks(app, testConfig(), { nagChecks: false });
  for (const stack of stacks) templates[stack.region] = Template.fromStack(stack);

  // The same wiring with non-default props, in a second app (only its `Custom/` resources are inspected).
  const other = makeApp();
  const config = testConfig();
  customStack = addSafeguardsStacks(
    other,
    { ...config, regions: [config.regions[0]!], runbookBaseUrl: 'https://runbooks.example.com/safeguards/' },
    { nagChecks: false },
  )[0]!;
  new Monitoring(customStack, 'Custom', {
    ...monitoringDeps(customStack),
    canaryActive: true,
    addedLatencyBudget: Duration.millis(80),
    failOpenPer5Minutes: 2,
    api5xxRate: 0.01,
    runbookBaseUrl: 'https://git.example.com/safeguards/blob/main/docs/runbooks/',
  });
  custom = Template.fromStack(customStack);
});

const monitoringDeps = (stack: SafeguardsStack): MonitoringProps => ({
  serving: stack.serving,
  api: stack.api,
  telemetry: stack.telemetry,
  tables: stack.tables,
  alarmTopic: stack.alarms,
  ...(stack.classifier ? { classifier: stack.classifier } : {}),
});

const t = (region: string): Template => {
  const template = templates[region];
  if (!template) throw new Error(`no stack for ${region}`);
  return template;
};

const resourcesOf = (template: Template, type: string, prefix = 'Monitoring'): Record<string, Resource> =>
  Object.fromEntries(
    Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) =>
      id.startsWith(prefix),
    ),
  );

/** Alarms (metric alarms and the composite) of the Monitoring construct. */
const allAlarms = (template: Template, prefix = 'Monitoring'): Record<string, Resource> => ({
  ...resourcesOf(template, 'AWS::CloudWatch::Alarm', prefix),
  ...resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm', prefix),
});

/** The alarm whose logical id is `<prefix><id><8-hex hash>`. */
const alarm = (template: Template, id: string, prefix = 'Monitoring'): Json => {
  const found = Object.entries(allAlarms(template, prefix)).filter(([logicalId]) =>
    new RegExp(`^${prefix}${id}[0-9A-F]{8}$`).test(logicalId),
  );
  if (found.length !== 1) throw new Error(`expected one alarm ${id}, found ${found.length}`);
  return found[0]![1].Properties;
};

const logicalId = (template: Template, type: string, prefix: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${ids.length}`);
  return ids[0]!;
};

const dims = (dimensions: unknown): Json =>
  Object.fromEntries((dimensions as { Name: string; Value: unknown }[]).map((d) => [d.Name, d.Value]));

/** A metric query of a math alarm, as `{metric, stat, period, dims}`. */
const queries = (props: Json) =>
  (props['Metrics'] as Json[]).map((q) => {
    const stat = q['MetricStat'] as Json | undefined;
    const metric = stat?.['Metric'] as Json | undefined;
    return {
      id: q['Id'] as string,
      expression: q['Expression'] as string | undefined,
      returnData: q['ReturnData'] as boolean | undefined,
      metric: metric?.['MetricName'] as string | undefined,
      namespace: metric?.['Namespace'] as string | undefined,
      dims: metric ? dims(metric['Dimensions']) : undefined,
      stat: stat?.['Stat'],
      period: stat?.['Period'],
    };
  });

const topicRef = (template: Template) => ({ Ref: logicalId(template, 'AWS::SNS::Topic', 'AlarmsTopic') });

/** The single-metric alarms: what they watch and when they fire. */
interface Expected {
  readonly id: string;
  readonly namespace: string;
  readonly metric: string;
  readonly dims: (template: Template) => Json;
  readonly stat: string;
  readonly period: number;
  readonly threshold: number;
  readonly comparison: string;
  readonly periods: number;
  readonly datapoints: number;
  readonly runbook: string;
  readonly classifierOnly?: boolean;
}

const proxy = { service: PROXY_SERVICE };
const endpoint = (template: Template) => ({
  EndpointName: {
    'Fn::GetAtt': [logicalId(template, 'AWS::SageMaker::Endpoint', 'ClassifierEndpoint'), 'EndpointName'],
  },
  VariantName: 'AllTraffic',
});
const fn = (prefix: string) => (template: Template) => ({
  FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', prefix) },
});

const SINGLE_METRIC_ALARMS: readonly Expected[] = [
  {
    id: 'AddedLatencyP99',
    namespace: 'CspSafeguards',
    metric: 'AddedLatency',
    dims: () => proxy,
    stat: 'p99',
    period: 60,
    threshold: 50,
    comparison: 'GreaterThanThreshold',
    periods: 5,
    datapoints: 3,
    runbook: 'added-latency',
  },
  {
    id: 'AuthorizerErrors',
    namespace: 'CspSafeguards',
    metric: 'AuthorizerErrors',
    dims: () => ({ service: AUTHORIZER_SERVICE }),
    stat: 'Sum',
    period: 300,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    periods: 1,
    datapoints: 1,
    runbook: 'authorizer',
  },
  {
    id: 'RateLimitedUpstream',
    namespace: 'CspSafeguards',
    metric: 'RateLimited',
    dims: () => ({ ...proxy, Source: 'upstream' }),
    stat: 'Sum',
    period: 300,
    threshold: 20,
    comparison: 'GreaterThanThreshold',
    periods: 3,
    datapoints: 2,
    runbook: 'rate-limited',
  },
  {
    id: 'ClassifierModelLatencyP99',
    namespace: 'AWS/SageMaker',
    metric: 'ModelLatency',
    dims: endpoint,
    stat: 'p99',
    period: 60,
    // The region's tier-2 deadline (150 ms in the example config), in microseconds.
    threshold: 150_000,
    comparison: 'GreaterThanThreshold',
    periods: 5,
    datapoints: 3,
    runbook: 'classifier',
    classifierOnly: true,
  },
  {
    id: 'ClassifierInvocation5xx',
    namespace: 'AWS/SageMaker',
    metric: 'Invocation5XXErrors',
    dims: endpoint,
    stat: 'Sum',
    period: 60,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    periods: 5,
    datapoints: 3,
    runbook: 'classifier',
    classifierOnly: true,
  },
  {
    id: 'Tier2Timeouts',
    namespace: 'CspSafeguards',
    metric: 'Tier2Timeouts',
    dims: () => proxy,
    stat: 'Sum',
    period: 60,
    threshold: 10,
    comparison: 'GreaterThanThreshold',
    periods: 5,
    datapoints: 3,
    runbook: 'classifier',
    classifierOnly: true,
  },
  {
    id: 'Tier2Errors',
    namespace: 'CspSafeguards',
    metric: 'Tier2Errors',
    dims: () => proxy,
    stat: 'Sum',
    period: 60,
    threshold: 5,
    comparison: 'GreaterThanThreshold',
    periods: 5,
    datapoints: 3,
    runbook: 'classifier',
    classifierOnly: true,
  },
  {
    id: 'Api5xxRate',
    namespace: 'AWS/ApiGateway',
    metric: '5XXError',
    dims: (template) => ({
      ApiName: (Object.values(template.findResources('AWS::ApiGateway::RestApi'))[0] as Resource).Properties[
        'Name'
      ],
      Stage: { Ref: logicalId(template, 'AWS::ApiGateway::Stage', 'ApiDeploymentStage') },
    }),
    stat: 'Average',
    period: 60,
    threshold: 0.05,
    comparison: 'GreaterThanThreshold',
    periods: 5,
    datapoints: 3,
    runbook: 'api-errors',
  },
  {
    id: 'TelemetryDeliverySuccess',
    namespace: 'AWS/Firehose',
    metric: 'DeliveryToS3.Success',
    dims: (template) => ({
      DeliveryStreamName: {
        Ref: logicalId(template, 'AWS::KinesisFirehose::DeliveryStream', 'TelemetryDeliveryStream'),
      },
    }),
    stat: 'Minimum',
    period: 300,
    threshold: 1,
    comparison: 'LessThanThreshold',
    periods: 3,
    datapoints: 2,
    runbook: 'telemetry-delivery',
  },
  {
    id: 'TelemetryDataFreshness',
    namespace: 'AWS/Firehose',
    metric: 'DeliveryToS3.DataFreshness',
    dims: (template) => ({
      DeliveryStreamName: {
        Ref: logicalId(template, 'AWS::KinesisFirehose::DeliveryStream', 'TelemetryDeliveryStream'),
      },
    }),
    stat: 'Maximum',
    period: 300,
    threshold: 900,
    comparison: 'GreaterThanThreshold',
    periods: 3,
    datapoints: 2,
    runbook: 'telemetry-delivery',
  },
  ...(['Proxy', 'Authorizer'] as const).flatMap((name): Expected[] => [
    {
      id: `${name}FunctionErrors`,
      namespace: 'AWS/Lambda',
      metric: 'Errors',
      dims: fn(`Serving${name}`),
      stat: 'Sum',
      period: 60,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      periods: 5,
      datapoints: 3,
      runbook: 'lambda',
    },
    {
      id: `${name}FunctionThrottles`,
      namespace: 'AWS/Lambda',
      metric: 'Throttles',
      dims: fn(`Serving${name}`),
      stat: 'Sum',
      period: 60,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      periods: 3,
      datapoints: 2,
      runbook: 'lambda',
    },
  ]),
  {
    id: 'EnforcementLive',
    namespace: 'CspSafeguards',
    metric: 'EnforcementLive',
    dims: () => ({ service: 'safeguards-canary' }),
    stat: 'Minimum',
    period: 60,
    threshold: 1,
    comparison: 'LessThanThreshold',
    periods: 3,
    datapoints: 2,
    runbook: 'enforcement-live',
  },
];

describe('metric names and dimensions match the code', () => {
  test.each([
    ['ServingProxy', PROXY_SERVICE],
    ['ServingAuthorizer', AUTHORIZER_SERVICE],
  ])('%s publishes under service %s in namespace CspSafeguards', (prefix, service) => {
    const template = t(WITH_CLASSIFIER);
    const fnProps = (template.toJSON().Resources as Record<string, Resource>)[
      logicalId(template, 'AWS::Lambda::Function', prefix)
    ]!.Properties;
    const env = (fnProps['Environment'] as { Variables: Json }).Variables;
    expect(env['POWERTOOLS_SERVICE_NAME']).toBe(service);
    expect(env['POWERTOOLS_METRICS_NAMESPACE']).toBe(METRICS_NAMESPACE);
    expect(METRICS_NAMESPACE).toBe('CspSafeguards');
  });
});

describe.each([WITH_CLASSIFIER, WITHOUT_CLASSIFIER])('alarms in %s', (region) => {
  const hasClassifier = region === WITH_CLASSIFIER;
  const expected = SINGLE_METRIC_ALARMS.filter((e) => hasClassifier || !e.classifierOnly);

  test.each(expected.map((e) => [e.id, e] as const))('%s: metric, threshold, periods', (id, e) => {
    const template = t(region);
    const props = alarm(template, id);
    expect(props).toMatchObject({
      Namespace: e.namespace,
      MetricName: e.metric,
      Period: e.period,
      Threshold: e.threshold,
      ComparisonOperator: e.comparison,
      EvaluationPeriods: e.periods,
      DatapointsToAlarm: e.datapoints,
      // The canary is on by default, so a missing EnforcementLive data point means a dead canary or path.
      TreatMissingData: e.id === 'EnforcementLive' ? 'breaching' : 'notBreaching',
    });
    expect(e.stat.startsWith('p') ? props['ExtendedStatistic'] : props['Statistic']).toBe(e.stat);
    expect(dims(props['Dimensions'])).toEqual(e.dims(template));
    expect(props['AlarmDescription']).toContain(`Runbook: docs/runbooks/${e.runbook}.md`);
  });

  test('no tier-2 alarms without an endpoint', () => {
    const ids = Object.keys(allAlarms(t(region)));
    const tier2 = ids.filter((id) => /^Monitoring(Classifier|Tier2)/.test(id));
    expect(tier2).toHaveLength(hasClassifier ? 4 : 0);
  });

  test('FailOpen: the sum of every FailOpen reason the proxy emits, 5 or more in a 5-minute window (one event does not page)', () => {
    const props = alarm(t(region), 'FailOpen');
    expect(props).toMatchObject({
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    const q = queries(props);
    const metrics = q.filter((x) => x.metric);
    expect(metrics.every((m) => m.namespace === 'CspSafeguards' && m.metric === 'FailOpen')).toBe(true);
    expect(metrics.every((m) => m.stat === 'Sum' && m.period === 300 && m.returnData === false)).toBe(true);
    expect(
      metrics.map((m) => m.dims).sort((a, b) => String(a!['Reason']).localeCompare(String(b!['Reason']))),
    ).toEqual(
      [
        'admission-error',
        'tier0-error',
        'tier0-timeout',
        'tier1-error',
        'tier1-timeout',
        'tier2-error',
        'tier2-timeout',
      ].map((Reason) => ({ Reason, service: PROXY_SERVICE })),
    );
    const sum = q.filter((x) => x.expression);
    expect(sum).toHaveLength(1);
    expect(sum[0]).toMatchObject({
      returnData: true,
      expression: `SUM([${metrics.map((m) => m.id).join(',')}])`,
    });
  });

  test.each([
    [
      'PortErrors',
      5,
      [
        'admission.reserve',
        'admission.settle',
        'controls',
        'pseudonymize',
        'serving',
        'telemetry',
        'violations',
      ].map((Port) => ({ Port, service: PROXY_SERVICE })),
    ],
    [
      'BackgroundPortErrors',
      0,
      [
        // The authorizer's in the same shape as the proxy's (lambdas/authorizer/deps.ts emits `Port` too).
        ...[PROXY_SERVICE, AUTHORIZER_SERVICE].flatMap((service) =>
          ['controls-refresh', 'ladder-cleanup', 'lease-renewal', 'tenant-refresh'].map((Port) => ({
            Port,
            service,
          })),
        ),
      ],
    ],
  ])('%s: the sum of every port the code counts, 2 of 3 five-minute periods', (id, threshold, dims) => {
    const props = alarm(t(region), id);
    expect(props).toMatchObject({
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(props['AlarmDescription']).toMatch(/Runbook: .*port-errors\.md$/);
    const q = queries(props);
    const metrics = q.filter((x) => x.metric);
    expect(metrics.every((m) => m.namespace === 'CspSafeguards' && m.metric === 'PortErrors')).toBe(true);
    expect(metrics.every((m) => m.stat === 'Sum' && m.period === 300 && m.returnData === false)).toBe(true);
    const key = (d: Record<string, unknown> | undefined) => JSON.stringify(Object.entries(d ?? {}).sort());
    expect(metrics.map((m) => key(m.dims)).sort()).toEqual(dims.map((d) => key(d)).sort());
    const sum = q.filter((x) => x.expression);
    expect(sum).toHaveLength(1);
    expect(sum[0]).toMatchObject({
      returnData: true,
      expression: `SUM([${metrics.map((m) => m.id).join(',')}])`,
    });
  });

  test('block-rate anomaly: blocked share of decisions outside the band, either direction', () => {
    const props = alarm(t(region), 'BlockRateAnomaly');
    expect(props).toMatchObject({
      ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      ThresholdMetricId: 'band',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(props['Threshold']).toBeUndefined();
    const q = queries(props);
    const blocked = q.filter((x) => x.metric === 'Decisions');
    expect(blocked.map((b) => b.dims)).toEqual(
      ['messages', 'bedrock.invoke', 'bedrock.invoke-stream'].map((Route) => ({
        Action: 'block',
        Route,
        service: PROXY_SERVICE,
      })),
    );
    expect(
      blocked.every((b) => b.stat === 'Sum' && b.period === 300 && b.namespace === 'CspSafeguards'),
    ).toBe(true);
    expect(q.find((x) => x.id === 'requests')).toMatchObject({
      metric: 'AddedLatency',
      stat: 'SampleCount',
      period: 300,
      dims: { service: PROXY_SERVICE },
    });
    expect(q.find((x) => x.id === 'blockedShare')).toMatchObject({
      returnData: true,
      expression: `100 * SUM([${blocked.map((b) => b.id).join(',')},zero]) / requests`,
    });
    expect(q.find((x) => x.id === 'zero')).toMatchObject({ expression: '0 * requests', returnData: false });
    expect(q.find((x) => x.id === 'band')).toMatchObject({
      expression: 'ANOMALY_DETECTION_BAND(blockedShare, 3)',
      returnData: true,
    });
    expect(q.filter((x) => x.returnData)).toHaveLength(2);
  });

  test('tenant rate-limit spike: RateLimited{Source=admission} above its band', () => {
    const props = alarm(t(region), 'RateLimitedAdmissionSpike');
    expect(props).toMatchObject({
      ComparisonOperator: 'GreaterThanUpperThreshold',
      ThresholdMetricId: 'band',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    expect(queries(props)).toEqual([
      expect.objectContaining({
        id: 'm0',
        metric: 'RateLimited',
        namespace: 'CspSafeguards',
        dims: { Source: 'admission', service: PROXY_SERVICE },
        stat: 'Sum',
        period: 300,
        returnData: true,
      }),
      expect.objectContaining({ id: 'band', expression: 'ANOMALY_DETECTION_BAND(m0, 3)', returnData: true }),
    ]);
  });

  test.each(Object.entries(TABLE_LOGICAL_IDS))(
    'DynamoDB %s table: throttled requests and system errors over the operations used',
    (name, tableId) => {
      const template = t(region);
      const prefix = `${name.charAt(0).toUpperCase()}${name.slice(1)}Table`;
      for (const [suffix, metricName] of [
        ['Throttles', 'ThrottledRequests'],
        ['SystemErrors', 'SystemErrors'],
      ] as const) {
        const props = alarm(template, `${prefix}${suffix}`);
        expect(props).toMatchObject({
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
        });
        expect(props['AlarmDescription']).toContain('Runbook: docs/runbooks/dynamodb.md');
        const metrics = queries(props).filter((x) => x.metric);
        expect(metrics.map((m) => m.dims!['Operation']).sort()).toEqual([
          'GetItem',
          'PutItem',
          'Query',
          'Scan',
          'UpdateItem',
        ]);
        for (const m of metrics) {
          expect(m).toMatchObject({ namespace: 'AWS/DynamoDB', metric: metricName, stat: 'Sum', period: 60 });
          expect(m.dims!['TableName']).toEqual({ Ref: tableId });
        }
      }
    },
  );

  test('every alarm notifies the region topic; descriptions carry the severity and an existing runbook', () => {
    const template = t(region);
    const alarms = allAlarms(template);
    expect(Object.keys(alarms)).toHaveLength(hasClassifier ? 29 : 25);
    for (const [id, a] of Object.entries(alarms)) {
      expect([id, a.Properties['AlarmActions']]).toEqual([id, [topicRef(template)]]);
      expect(a.Properties['ActionsEnabled']).not.toBe(false);
      const description = a.Properties['AlarmDescription'] as string;
      const page = a.Type === 'AWS::CloudWatch::CompositeAlarm';
      expect(description.startsWith(page ? '[page] ' : '[notify] ')).toBe(true);
      const runbook = /Runbook: (docs\/runbooks\/[a-z0-9-]+\.md)$/.exec(description)?.[1];
      expect([id, runbook]).toEqual([id, expect.any(String)]);
      expect([runbook, existsSync(path.join(ROOT, runbook!))]).toEqual([runbook, true]);
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });

  test('every logical id a runbook resolves with `res <LogicalId>` exists in the template', () => {
    const fs = require('node:fs') as typeof import('node:fs');
    const dir = path.join(ROOT, 'docs/runbooks');
    const resources = new Set(Object.keys(t(region).toJSON()['Resources'] as object));
    const ids = fs
      .readdirSync(dir)
      .flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/\bres "?([A-Za-z0-9]+)\)?/g)])
      .map((m) => m[1]!);
    expect(ids).toEqual(expect.arrayContaining(['TelemetryBucketFB1718EF', 'KeysDataKey8F3FE3A4']));
    expect(ids.filter((id) => !resources.has(id))).toEqual([]);
  });

  test('every runbook is listed in the runbook index', () => {
    const index = require('node:fs').readFileSync(
      path.join(ROOT, 'docs/runbooks/README.md'),
      'utf8',
    ) as string;
    const runbooks = new Set(
      Object.values(allAlarms(t(region))).map(
        (a) =>
          /Runbook: docs\/runbooks\/([a-z0-9-]+)\.md$/.exec(a.Properties['AlarmDescription'] as string)![1],
      ),
    );
    for (const r of runbooks) expect(index).toContain(`(${r}.md)`);
  });

  test('"safeguards degraded" pages on any of fail-open, added latency, API 5xx, enforcement live, telemetry', () => {
    const template = t(region);
    const [composite] = Object.values(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm'));
    expect(composite).toBeDefined();
    const rule = (composite!.Properties['AlarmRule'] as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
      .map((part) =>
        typeof part === 'string'
          ? part
          : ((part as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0] ?? ''),
      )
      .join('')
      .replace(/Monitoring([A-Za-z0-9]+)[0-9A-F]{8}(?=")/g, '$1');
    expect(rule).toBe(
      '(ALARM("FailOpen") OR ALARM("AddedLatencyP99") OR ALARM("Api5xxRate") OR ALARM("EnforcementLive") OR ' +
        'ALARM("TelemetryDeliverySuccess") OR ALARM("TelemetryDataFreshness"))',
    );
    expect(composite!.Properties['OKActions']).toEqual([topicRef(template)]);
    expect(composite!.Properties['Tags']).toEqual(
      expect.arrayContaining([{ Key: 'safeguards:severity', Value: 'page' }]),
    );
  });

  test('the canary is deployed by default, so missing EnforcementLive data is breaching', () => {
    expect(alarm(t(region), 'EnforcementLive')['TreatMissingData']).toBe('breaching');
  });
});

describe('dashboard', () => {
  /** The dashboard body with every token replaced by `<logical id>`. */
  const body = (template: Template): { widgets: Json[] } => {
    const [dashboard] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
    const join = dashboard!.Properties['DashboardBody'] as { 'Fn::Join': [string, unknown[]] };
    const text = join['Fn::Join'][1]
      .map((part) => {
        if (typeof part === 'string') return part;
        const p = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
        return `<${p.Ref ?? p['Fn::GetAtt']?.[0] ?? 'token'}>`;
      })
      .join('');
    return JSON.parse(text) as { widgets: Json[] };
  };
  const titles = (b: { widgets: Json[] }) =>
    b.widgets.map((w) => (w['properties'] as Json)['title']).filter((x) => x !== undefined);

  test('one dashboard per region with the expected widgets in order', () => {
    for (const region of [WITH_CLASSIFIER, WITHOUT_CLASSIFIER]) {
      expect(Object.keys(resourcesOf(t(region), 'AWS::CloudWatch::Dashboard'))).toHaveLength(1);
      expect(titles(body(t(region)))).toEqual([...DASHBOARD_WIDGETS]);
    }
  });

  test('alarm status widget lists every alarm, the composite first', () => {
    const template = t(WITH_CLASSIFIER);
    const widget = body(template).widgets.find((w) => w['type'] === 'alarm')!;
    const alarms = (widget['properties'] as { alarms: string[] }).alarms;
    expect(alarms).toHaveLength(29);
    expect(alarms[0]).toMatch(/^<MonitoringSafeguardsDegraded/);
  });

  test('graphs use the metrics the code emits', () => {
    const text = JSON.stringify(body(t(WITH_CLASSIFIER)));
    for (const needle of [
      '["CspSafeguards","AddedLatency","service","safeguards-proxy"',
      '"CspSafeguards","Decisions","Action","block","Route","messages","service","safeguards-proxy"',
      '"CspSafeguards","CategoryTriggered","Category","harmful","Stage","output","service","safeguards-proxy"',
      '"CspSafeguards","FailClosed","Reason","tier2-timeout","service","safeguards-proxy"',
      '"CspSafeguards","EnforcementLive","service","safeguards-canary"',
      '"AWS/Firehose","DeliveryToS3.DataFreshness","DeliveryStreamName"',
      '"AWS/SageMaker","ModelLatency","EndpointName"',
    ]) {
      expect([needle, text.includes(needle)]).toEqual([needle, true]);
    }
  });

  test('per-stage latency comes from the decision records in the proxy log group', () => {
    const template = t(WITH_CLASSIFIER);
    const widget = body(template).widgets.find((w) => w['type'] === 'log')!;
    const query = (widget['properties'] as { query: string }).query;
    expect(query).toContain(`SOURCE '<${logicalId(template, 'AWS::Logs::LogGroup', 'ServingProxyLogs')}>'`);
    expect(query).toContain('filter message = "csp.decision/v1"');
    expect(query).toContain('pct(decision.latencyMs.tier2, 99)');
  });
});

describe('props', () => {
  test('canaryActive: missing EnforcementLive data is breaching', () => {
    expect(alarm(custom, 'EnforcementLive', 'Custom')['TreatMissingData']).toBe('breaching');
  });

  test('budgets and thresholds are the caller’s', () => {
    expect(alarm(custom, 'AddedLatencyP99', 'Custom')['Threshold']).toBe(80);
    expect(alarm(custom, 'FailOpen', 'Custom')['Threshold']).toBe(2);
    expect(alarm(custom, 'Api5xxRate', 'Custom')['Threshold']).toBe(0.01);
  });

  test('runbookBaseUrl prefixes the runbook links', () => {
    for (const a of Object.values(allAlarms(custom, 'Custom'))) {
      expect(a.Properties['AlarmDescription']).toMatch(
        /Runbook: https:\/\/git\.example\.com\/safeguards\/blob\/main\/docs\/runbooks\/[a-z-]+\.md$/,
      );
    }
  });

  test('config runbookBaseUrl reaches every alarm of the stack, composite included', () => {
    const alarms = Object.values(allAlarms(custom, 'Monitoring'));
    expect(alarms.length).toBeGreaterThan(10);
    for (const a of alarms) {
      expect(a.Properties['AlarmDescription']).toMatch(
        /Runbook: https:\/\/runbooks\.example\.com\/safeguards\/[a-z-]+\.md$/,
      );
    }
  });

  test('fails when failOpenPer5Minutes is not a positive integer', () => {
    expect(
      () =>
        new Monitoring(customStack, 'BadFailOpen', {
          ...monitoringDeps(customStack),
          failOpenPer5Minutes: 0,
        }),
    ).toThrow('Monitoring: failOpenPer5Minutes must be a positive integer, got 0');
  });

  test('fails when api5xxRate is not a share', () => {
    expect(
      () => new Monitoring(customStack, 'BadRate', { ...monitoringDeps(customStack), api5xxRate: 5 }),
    ).toThrow('Monitoring: api5xxRate must be between 0 and 1 (exclusive), got 5');
  });

  test('fails when a latency budget is not positive', () => {
    expect(
      () =>
        new Monitoring(customStack, 'BadBudget', {
          ...monitoringDeps(customStack),
          addedLatencyBudget: Duration.millis(0),
        }),
    ).toThrow('Monitoring: addedLatencyBudget must be positive, got 0 millis');
  });
});
