import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AlarmTopic } from '../../../../lib/constructs/alarm-topic';
import {
  ClassifierEndpoint,
  instanceFamily,
  LOCAL_STORAGE_GPU_FAMILIES,
} from '../../../../lib/constructs/classifier-endpoint';
import { Perimeter } from '../../../../lib/constructs/perimeter';

const ROOT = path.resolve(__dirname, '../../../..');

/** A throwaway stack for construct-level validation (no synth). */
const scratch = () => {
  const stack = new Stack(new App(), 'Scratch', { env: { account: '111111111111', region: 'eu-west-1' } });
  return { stack, key: new kms.Key(stack, 'Key') };
};

describe('construct sources', () => {
  const sources = ['lib/constructs', 'lib/stacks'].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(dir, f)),
  );

  test.each(sources)('%s has no literal partition, region or account', (file) => {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    expect(text).not.toMatch(/arn:aws/);
    expect(text).not.toMatch(
      /['"`](us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast)-\d['"`]/,
    );
    expect(text).not.toMatch(/\b\d{12}\b/);
  });
});

describe('construct validation', () => {
  test('fails when the perimeter is asked for fewer than 2 AZs', () => {
    const { stack, key } = scratch();
    expect(() => new Perimeter(stack, 'P', { encryptionKey: key, maxAzs: 1 })).toThrow(
      'Perimeter: maxAzs must be at least 2, got 1',
    );
  });

  test('fails when an on-call endpoint is not https', () => {
    const { stack, key } = scratch();
    expect(
      () => new AlarmTopic(stack, 'A', { encryptionKey: key, httpsEndpoints: ['http://pager.example.com'] }),
    ).toThrow("AlarmTopic: expected an https:// endpoint, got 'http://pager.example.com'");
  });

  describe('classifier endpoint', () => {
    const props = (stack: Stack, key: kms.IKey) => {
      const perimeter = new Perimeter(stack, 'P', { encryptionKey: key });
      return {
        imageUri: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/classifier:1',
        modelDataUrl: 's3://models/classifier/model.tar.gz',
        instanceType: 'ml.g5.xlarge',
        initialInstanceCount: 1,
        minInstanceCount: 1,
        maxInstanceCount: 2,
        encryptionKey: key,
        vpc: perimeter.vpc,
        vpcSubnets: perimeter.isolatedSubnets,
        securityGroups: [perimeter.classifierSecurityGroup],
      };
    };

    test('fails when min <= initial <= max does not hold', () => {
      const { stack, key } = scratch();
      expect(
        () =>
          new ClassifierEndpoint(stack, 'C', {
            ...props(stack, key),
            initialInstanceCount: 3,
            maxInstanceCount: 2,
          }),
      ).toThrow('ClassifierEndpoint: expected 1 <= min <= initial <= max instances, got 1, 3, 2');
    });

    test('fails when the instance type is not a GPU type', () => {
      const { stack, key } = scratch();
      expect(
        () => new ClassifierEndpoint(stack, 'C', { ...props(stack, key), instanceType: 'ml.m5.xlarge' }),
      ).toThrow("ClassifierEndpoint: expected an ml.g*/ml.p* GPU instance type, got 'ml.m5.xlarge'");
    });

    test('fails when the model data is not an s3:// URL', () => {
      const { stack, key } = scratch();
      expect(
        () =>
          new ClassifierEndpoint(stack, 'C', {
            ...props(stack, key),
            modelDataUrl: 'https://models/model.tar.gz',
          }),
      ).toThrow(
        "ClassifierEndpoint: modelDataUrl must be s3://bucket/key, got 'https://models/model.tar.gz'",
      );
    });

    test.each([
      ['ml.g5.xlarge', 'g5', true],
      ['ml.g6e.2xlarge', 'g6e', true],
      ['ml.p4d.24xlarge', 'p4d', true],
      ['ml.p3.2xlarge', 'p3', false],
    ])('%s is family %s (local instance storage: %s)', (type, family, local) => {
      expect(instanceFamily(type)).toBe(family);
      expect(LOCAL_STORAGE_GPU_FAMILIES.includes(family)).toBe(local);
    });
  });
});
