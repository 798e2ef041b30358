import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ATHENA_QUERIES, INSIGHTS_QUERIES } from '../../../../lib/constructs/insights';
import { regionTemplates, testConfig } from '../../helpers';

process.env['CDK_VALIDATION'] = 'false';

let template: Template;

beforeAll(() => {
  template = regionTemplates(testConfig())('eu-west-1');
});

describe('situational awareness (Logs Insights + Athena), in-region', () => {
  test.each(Object.keys(INSIGHTS_QUERIES))('Logs Insights saved query %s on the proxy log group', (name) => {
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: `safeguards/Safeguards-eu-west-1/${name}`,
      QueryString: Match.stringLikeRegexp(name === 'decision-timeline' ? 'DECISION_ID' : 'csp.decision/v1'),
      LogGroupNames: [{ Ref: Match.stringLikeRegexp('^ServingProxyLogs') }],
    });
  });

  test('the fail-open query filters on the fail mode the record carries', () => {
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'safeguards/Safeguards-eu-west-1/fail-open-incidents',
      QueryString: Match.stringLikeRegexp('decision\\.failMode\\.applied = "open"'),
    });
  });

  test('Glue table over the Firehose prefix with partition projection (no crawler)', () => {
    template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { Name: 'safeguards_eu_west_1_telemetry' },
    });
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'safeguards_eu_west_1_telemetry',
      TableInput: Match.objectLike({
        Name: 'decisions',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [
          Match.objectLike({ Name: 'year' }),
          Match.objectLike({ Name: 'month' }),
          Match.objectLike({ Name: 'day' }),
        ],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.month.digits': '2',
          'storage.location.template': {
            'Fn::Join': [
              '',
              [
                's3://',
                { Ref: Match.stringLikeRegexp('^TelemetryBucket') },
                // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena partition-projection placeholders
                '/decisions/year=${year}/month=${month}/day=${day}/',
              ],
            ],
          },
        }),
        StorageDescriptor: Match.objectLike({
          SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
          Columns: Match.arrayWith([
            Match.objectLike({
              Name: 'decision',
              Type: Match.stringLikeRegexp('^struct<schema:string,decisionid:string'),
            }),
          ]),
        }),
      }),
    });
    template.resourceCountIs('AWS::Glue::Crawler', 0);
  });

  test('Athena workgroup: enforced configuration, results in the telemetry bucket encrypted with the region key', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'Safeguards-eu-west-1-insights',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: {
          OutputLocation: {
            'Fn::Join': [
              '',
              ['s3://', { Ref: Match.stringLikeRegexp('^TelemetryBucket') }, '/athena-results/'],
            ],
          },
          EncryptionConfiguration: {
            EncryptionOption: 'SSE_KMS',
            KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysDataKey'), 'Arn'] },
          },
        },
      },
    });
  });

  test.each(Object.keys(ATHENA_QUERIES))('Athena named query %s reads the decisions table', (name) => {
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      Name: `safeguards-${name}`,
      Database: 'safeguards_eu_west_1_telemetry',
      QueryString: Match.stringLikeRegexp('safeguards_eu_west_1_telemetry\\.decisions'),
    });
  });
});
