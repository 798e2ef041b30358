import { partition } from '@aws-sdk/core/client';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import {
  findRegionCodes,
  INFERENCE_PROFILE_GEOGRAPHIES,
  isKnownRegion,
  isRegionCode,
  KNOWN_REGIONS,
  REGIONS,
  RESIDENCY_ZONES,
  regionsInZone,
  zoneMismatch,
  zoneOf,
} from '../../../config/regions';

/** Partitions whose regions the table must classify (the isolated ISO partitions are out of scope). */
const PUBLIC_PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-eusc']);

describe('geography table (config/regions.ts)', () => {
  test('classifies every public region the AWS CDK knows (a new region fails here until it has a zone)', () => {
    const cdkRegions = RegionInfo.regions
      .filter((r) => PUBLIC_PARTITIONS.has(r.partition ?? ''))
      .map((r) => r.name);
    expect(cdkRegions.filter((r) => !isKnownRegion(r))).toEqual([]);
  });

  test.each(REGIONS.map((r) => [r.region, r]))(
    '%s: name and partition match the AWS SDK endpoint data',
    (_, row) => {
      // The SDK's partition data carries the region description; its declared type omits it.
      const sdk = partition(row.region) as ReturnType<typeof partition> & { readonly description?: string };
      expect({ name: sdk.description, partition: sdk.name }).toEqual({
        name: row.name,
        partition: row.partition,
      });
    },
  );

  test('every region is region-shaped, listed once, and in exactly one zone', () => {
    expect(KNOWN_REGIONS.filter((r) => !isRegionCode(r))).toEqual([]);
    expect(new Set(KNOWN_REGIONS).size).toBe(KNOWN_REGIONS.length);
    const zoned = RESIDENCY_ZONES.flatMap((z) => regionsInZone(z));
    expect([...zoned].sort()).toEqual([...KNOWN_REGIONS].sort());
  });

  test('zones are jurisdictions: EU holds EU member states only; GovCloud and China are their own zones', () => {
    expect(regionsInZone('EU')).toEqual([
      'eu-central-1',
      'eu-north-1',
      'eu-south-1',
      'eu-south-2',
      'eu-west-1',
      'eu-west-3',
    ]);
    expect(zoneOf('eu-west-2')).toBe('UK');
    expect(zoneOf('eu-central-2')).toBe('CH');
    expect(regionsInZone('US')).toEqual(['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2']);
    expect(regionsInZone('US-GOV')).toEqual(['us-gov-east-1', 'us-gov-west-1']);
    expect(regionsInZone('CN')).toEqual(['cn-north-1', 'cn-northwest-1']);
    expect(regionsInZone('APAC')).toEqual([]);
  });

  test('zoneMismatch names both the declared zone and the region with its real zone', () => {
    expect(zoneMismatch('us-west-2', 'EU')).toBe("'EU' does not contain us-west-2 (zone of us-west-2: US)");
    expect(zoneMismatch('us-west-2', 'US')).toBeUndefined();
    expect(zoneMismatch('eu-west-9', 'EU')).toBe("unknown region 'eu-west-9'");
  });

  test('lookups compare canonical codes only: case variants are unknown, not silently matched', () => {
    expect(zoneOf('EU-WEST-1')).toBeUndefined();
    expect(isKnownRegion(' eu-west-1')).toBe(false);
    expect(isKnownRegion('__proto__')).toBe(false);
    expect(zoneOf('constructor')).toBeUndefined();
  });

  test('every Bedrock inference-profile destination is a known region', () => {
    const destinations = Object.values(INFERENCE_PROFILE_GEOGRAPHIES).flatMap((d) => d ?? []);
    expect(destinations.filter((r) => !isKnownRegion(r))).toEqual([]);
  });

  test('findRegionCodes finds region-shaped codes inside text', () => {
    expect(findRegionCodes('x.execute-api.eu-west-1.amazonaws.com and us-gov-west-1')).toEqual([
      { region: 'eu-west-1', index: 14 },
      { region: 'us-gov-west-1', index: 42 },
    ]);
  });
});
