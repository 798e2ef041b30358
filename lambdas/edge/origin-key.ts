/**
 * Reads the edge's origin-signing key (PKCS#8 PEM) from Secrets Manager in us-east-1, where the edge stack
 * keeps it. Loaded lazily by the origin-request handler so the viewer bundle never carries the SDK.
 */
import type { KeyObject } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EdgeSettings } from '../core/edge/checks';
import { privateKeyFromPem } from '../core/edge/claim-key';

let client: SecretsManagerClient | undefined;

export async function loadOriginKey(settings: EdgeSettings): Promise<KeyObject> {
  client ??= new SecretsManagerClient({ region: 'us-east-1' });
  const out = await client.send(new GetSecretValueCommand({ SecretId: settings.originSigningSecretName }));
  if (out.SecretString === undefined) throw new Error('edge: origin-signing secret has no string value');
  return privateKeyFromPem(out.SecretString);
}
