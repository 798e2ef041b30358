/**
 * The endpoints of the own AWS clients (`awsEndpoint`: DynamoDB, KMS, Bedrock runtime) equal those the SDK's own
 * clients resolve with their endpoint rules, for every region of config/regions.ts (all four partitions) × FIPS ×
 * dual-stack. Offline: the SDK's endpoint provider is evaluated locally, no call is made.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { KNOWN_REGIONS, REGIONS } from '../../../../../config/regions';
import { awsEndpoint } from '../../../../../lambdas/adapters/aws/standard';

type EndpointProvider = (params: { Region: string; UseFIPS: boolean; UseDualStack: boolean }) => { url: URL };

const SERVICES = [
  ['dynamodb', 'DYNAMODB', DynamoDBClient],
  ['kms', 'KMS', KMSClient],
  ['bedrock-runtime', 'BEDROCK_RUNTIME', BedrockRuntimeClient],
] as const;

describe('awsEndpoint equals the SDK endpoint rules', () => {
  test('the regions cover every partition the table knows', () => {
    expect(new Set(REGIONS.map((r) => r.partition))).toEqual(
      new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-eusc']),
    );
  });

  test.each(SERVICES)('%s: every region × FIPS × dual-stack', (prefix, envName, Client) => {
    const provider = new Client({ region: 'us-east-1' }).config.endpointProvider as EndpointProvider;
    const mismatches: string[] = [];
    let compared = 0;
    for (const region of KNOWN_REGIONS)
      for (const fips of [false, true])
        for (const dualStack of [false, true]) {
          const sdk = provider({ Region: region, UseFIPS: fips, UseDualStack: dualStack }).url.href.replace(
            /\/$/,
            '',
          );
          const ours = awsEndpoint(prefix, envName, region, {
            AWS_USE_FIPS_ENDPOINT: String(fips),
            AWS_USE_DUALSTACK_ENDPOINT: String(dualStack),
          });
          compared++;
          if (ours !== sdk)
            mismatches.push(`${region} fips=${fips} dualStack=${dualStack}: ${ours} ≠ ${sdk}`);
        }
    expect(mismatches).toEqual([]);
    expect(compared).toBe(KNOWN_REGIONS.length * 4);
  });

  test('DynamoDB with FIPS in GovCloud is its regular endpoint (the SDK rules’ special case)', () => {
    const env = { AWS_USE_FIPS_ENDPOINT: 'true' };
    expect(awsEndpoint('dynamodb', 'DYNAMODB', 'us-gov-west-1', env)).toBe(
      'https://dynamodb.us-gov-west-1.amazonaws.com',
    );
    expect(awsEndpoint('kms', 'KMS', 'us-gov-west-1', env)).toBe(
      'https://kms-fips.us-gov-west-1.amazonaws.com',
    );
  });

  test('an isolated-partition region fails, naming the variable to set; a configured endpoint still works', () => {
    expect(() => awsEndpoint('kms', 'KMS', 'us-iso-east-1', {})).toThrow(
      /region 'us-iso-east-1' is in an isolated partition; set AWS_ENDPOINT_URL_KMS/,
    );
    expect(awsEndpoint('kms', 'KMS', 'us-isob-east-1', { AWS_ENDPOINT_URL_KMS: 'https://kms.example' })).toBe(
      'https://kms.example',
    );
  });
});
