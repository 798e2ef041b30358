import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DECISIONS_PREFIX } from './telemetry-store';

/** Properties for {@link SituationalAwareness}. */
export interface SituationalAwarenessProps {
  /** The proxy's log group: decision records are JSON lines whose `message` is `csp.decision/v1`. */
  readonly decisionLogGroup: logs.ILogGroup;
  /** The region's telemetry bucket (Firehose writes decision-record lines under `decisions/`). */
  readonly telemetryBucket: s3.IBucket;
  /** The region's data key: Athena query results are encrypted with it. */
  readonly encryptionKey: kms.IKey;
  /**
   * Name stem for the Glue database and Athena workgroup, which need physical names: letters, digits, dashes.
   *
   * @default - the stack name
   */
  readonly nameStem?: string;
}

/** The decision-record filter every Logs Insights query starts with. */
const RECORDS = 'message = "csp.decision/v1"';

/**
 * Logs Insights saved queries, keyed by name (`safeguards/<stem>/<name>`). The timeline query has a
 * placeholder: replace `DECISION_ID` in the console (Logs Insights has no query parameters).
 */
export const INSIGHTS_QUERIES: Readonly<Record<string, logs.QueryStringProps>> = {
  'decisions-by-tenant': {
    filterStatements: [RECORDS],
    statsStatements: [
      'count(*) as requests, sum(decision.action = "block") as blocked, sum(decision.action = "redact") as redacted by decision.tenant',
    ],
    sort: 'blocked desc',
    limit: 100,
  },
  'category-trends': {
    filterStatements: [RECORDS, 'decision.action = "block"'],
    statsStatements: ['count(*) as blocks by bin(1h), decision.reason'],
  },
  'fail-open-incidents': {
    filterStatements: [RECORDS, 'decision.failMode.applied = "open"'],
    fields: [
      '@timestamp',
      'decision.decisionId',
      'decision.tenant',
      'decision.route',
      'decision.tier2.outcome',
      'decision.tier2.reason',
    ],
    sort: '@timestamp desc',
    limit: 200,
  },
  'decision-timeline': {
    filterStatements: ['decision.decisionId = "DECISION_ID" or @message like "DECISION_ID"'],
    fields: [
      '@timestamp',
      '@logStream',
      'message',
      'decision.stage',
      'decision.action',
      'decision.status',
      'decision.reason',
      'decision.latencyMs.total',
    ],
    sort: '@timestamp asc',
  },
};

/** Athena saved queries (same questions over the telemetry bucket), keyed by name. `%TABLE%` is the table. */
export const ATHENA_QUERIES: Readonly<Record<string, string>> = {
  'decisions-by-tenant': `SELECT decision.tenant, count(*) AS requests,
  count_if(decision.action = 'block') AS blocked, count_if(decision.action = 'redact') AS redacted
FROM %TABLE% WHERE year = year(current_date) AND month = month(current_date)
GROUP BY decision.tenant ORDER BY blocked DESC LIMIT 100`,
  'category-trends': `SELECT year, month, day, decision.reason, count(*) AS blocks
FROM %TABLE% WHERE decision.action = 'block' AND year = year(current_date)
GROUP BY year, month, day, decision.reason ORDER BY year DESC, month DESC, day DESC`,
  'fail-open-incidents': `SELECT decision.timestamp, decision.decisionid, decision.tenant, decision.route, decision.tier2.reason
FROM %TABLE% WHERE decision.failmode.applied = 'open' AND year = year(current_date)
ORDER BY decision.timestamp DESC LIMIT 500`,
  'decision-timeline': `SELECT * FROM %TABLE% WHERE decision.decisionid = 'DECISION_ID'`,
};

/**
 * The Glue schema of a decision-record line as Firehose writes it (the proxy's Powertools log line with the
 * record under `decision`; docs/decision-record.md). Only the fields analysts query are typed; the JSON SerDe
 * ignores the rest.
 */
const DECISION_STRUCT =
  'struct<schema:string,decisionid:string,timestamp:string,region:string,route:string,tenant:string,apikey:string,' +
  'tenanttier:string,model:string,stream:boolean,stage:string,action:string,status:int,reason:string,' +
  'triggered:array<string>,shadowtriggered:array<string>,killswitch:string,' +
  'policy:struct<name:string,version:string>,' +
  'tier2:struct<called:boolean,escalated:array<string>,outcome:string,reason:string>,' +
  'failmode:struct<applied:string>,' +
  'tokens:struct<input:int,output:int>,' +
  'latencyms:struct<total:double,parse:double,normalize:double,tier0:double,tier1:double,tier2:double,upstream:double,output:double,added:double>,' +
  'error:struct<type:string,field:string>>';

/**
 * Situational awareness over one region's decision records, inside the region: CloudWatch Logs Insights saved
 * queries on the proxy log group, and an Athena table (Glue, partition projection on the Firehose
 * `year=/month=/day=` prefixes — no crawler, no partition maintenance) in an in-region workgroup whose results
 * are encrypted with the region's key and written to the telemetry bucket. Questions answered: decisions by
 * tenant pseudonym, category trends, fail-open incidents, the full timeline of one decision id.
 */
export class SituationalAwareness extends Construct {
  public readonly database: glue.CfnDatabase;
  public readonly table: glue.CfnTable;
  public readonly workgroup: athena.CfnWorkGroup;
  public readonly queryDefinitions: logs.QueryDefinition[];
  /** `database.table` for Athena SQL. */
  public readonly tableName: string;

  constructor(scope: Construct, id: string, props: SituationalAwarenessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stem = props.nameStem ?? stack.stackName;
    if (!/^[A-Za-z0-9-]{1,100}$/.test(stem)) {
      throw new Error(
        `SituationalAwareness ${id}: nameStem must be letters, digits and dashes, got '${stem}'`,
      );
    }
    const dbName = `${stem.toLowerCase().replace(/-/g, '_')}_telemetry`;
    const bucket = props.telemetryBucket.bucketName;

    this.queryDefinitions = Object.entries(INSIGHTS_QUERIES).map(
      ([name, query]) =>
        new logs.QueryDefinition(this, `Query-${name}`, {
          queryDefinitionName: `safeguards/${stem}/${name}`,
          queryString: new logs.QueryString(query),
          logGroups: [props.decisionLogGroup],
        }),
    );

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: dbName, description: `Safeguards decision records (${stem}), this region only` },
    });
    this.table = new glue.CfnTable(this, 'DecisionsTable', {
      catalogId: stack.account,
      databaseName: dbName,
      tableInput: {
        name: 'decisions',
        description: 'One row per decision record (pseudonymized; no prompt text)',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [
          { name: 'year', type: 'int' },
          { name: 'month', type: 'string' },
          { name: 'day', type: 'string' },
        ],
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          'projection.year.type': 'integer',
          'projection.year.range': '2025,2100',
          'projection.month.type': 'integer',
          'projection.month.range': '1,12',
          'projection.month.digits': '2',
          'projection.day.type': 'integer',
          'projection.day.range': '1,31',
          'projection.day.digits': '2',
          'storage.location.template': `s3://${bucket}/${DECISIONS_PREFIX}year=\${year}/month=\${month}/day=\${day}/`,
        },
        storageDescriptor: {
          location: `s3://${bucket}/${DECISIONS_PREFIX}`,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          compressed: true,
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' },
          },
          columns: [
            { name: 'message', type: 'string' },
            { name: 'timestamp', type: 'string' },
            { name: 'service', type: 'string' },
            { name: 'decision', type: DECISION_STRUCT },
          ],
        },
      },
    });
    this.table.addResourceDependency(this.database);
    this.tableName = `${dbName}.decisions`;

    this.workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: `${stem}-insights`,
      description:
        'Decision-record queries for this region; results encrypted with the region key, kept in-region',
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${bucket}/athena-results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    });
    for (const [name, sql] of Object.entries(ATHENA_QUERIES)) {
      const q = new athena.CfnNamedQuery(this, `Athena-${name}`, {
        name: `safeguards-${name}`,
        database: dbName,
        workGroup: this.workgroup.name,
        queryString: sql.replaceAll('%TABLE%', this.tableName),
        description: `Safeguards: ${name.replace(/-/g, ' ')}`,
      });
      q.addResourceDependency(this.workgroup);
      q.addResourceDependency(this.database);
    }
  }
}
