/**
 * KMS `GenerateMac` over the JSON-protocol client (./json-client.ts): the pseudonymizer's one KMS call on the serving
 * path, without the SDK's client (docs/adr/0057). IAM as before: `kms:GenerateMac` on the region's HMAC key.
 */
import { type AwsJsonApi, AwsJsonClient, type AwsJsonClientOptions } from './json-client';

/** KMS's JSON protocol. */
export const KMS_API: AwsJsonApi = {
  service: 'kms',
  endpointEnv: 'KMS',
  targetPrefix: 'TrentService',
  jsonVersion: '1.1',
};

/** A MAC of a message under a fixed key. */
export type MacFunction = (message: Uint8Array) => Promise<Uint8Array>;

/** A KMS JSON-protocol client. */
export function kmsClient(options: AwsJsonClientOptions): AwsJsonClient {
  return new AwsJsonClient(KMS_API, options);
}

/**
 * `GenerateMac` with `HMAC_SHA_256` under `keyId` through `client`.
 * @throws Error when the answer holds no MAC (or one that is not a 32-byte base64 blob); the client's errors otherwise
 */
export function kmsGenerateMac(client: AwsJsonClient, keyId: string): MacFunction {
  return async (message) => {
    const out = await client.call('GenerateMac', {
      KeyId: keyId,
      MacAlgorithm: 'HMAC_SHA_256',
      Message: Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('base64'),
    });
    const mac = out['Mac'];
    if (typeof mac !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(mac))
      throw new Error('GenerateMac returned no 32-byte Mac');
    return new Uint8Array(Buffer.from(mac, 'base64'));
  };
}
