import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { CloudFrontRequestEvent } from 'aws-lambda';
import type { EdgeSettings } from '../../../../lambdas/core/edge/checks';
import { mintClaimKey, publicKeyX } from '../../../../lambdas/core/edge/claim-key';

/** One claim-signing and one origin-signing key pair per test run. */
export const claimPair = generateKeyPairSync('ed25519');
export const originPair = generateKeyPairSync('ed25519');
/** A key pair nobody configured (forgeries). */
export const strangerPair = generateKeyPairSync('ed25519');

export const PLAIN_KEY = 'csk_0123456789abcdefghijABCDEFGHIJkl';

export const SETTINGS: EdgeSettings = {
  origins: {
    'eu-west-1': { domainName: 'eu-west-1.origin.api.example.com', zone: 'EU' },
    'eu-central-1': { domainName: 'eu-central-1.origin.api.example.com', zone: 'EU' },
    'us-east-1': { domainName: 'us-east-1.origin.api.example.com', zone: 'US' },
  },
  claimPublicKeys: [publicKeyX(claimPair.publicKey)],
  maxBodyBytes: 6 * 1024 * 1024,
  maxHeaderBytes: 16_384,
  originSigningSecretName: 'safeguards/edge/origin-signing-key',
};

export const claimKeyFor = (region: string, signer: KeyObject = claimPair.privateKey): string =>
  mintClaimKey(PLAIN_KEY, region, signer);

/** A CloudFront viewer/origin-request event as Lambda@Edge delivers it (includeBody false: no `body`). */
export function cloudFrontEvent(
  over: {
    method?: string;
    uri?: string;
    querystring?: string;
    headers?: Record<string, string | string[]>;
    eventType?: 'viewer-request' | 'origin-request';
  } = {},
): CloudFrontRequestEvent {
  const headers: Record<string, { key: string; value: string }[]> = {
    host: [{ key: 'Host', value: 'api.example.com' }],
    'content-type': [{ key: 'Content-Type', value: 'application/json' }],
    'content-length': [{ key: 'Content-Length', value: '120' }],
    'anthropic-version': [{ key: 'anthropic-version', value: '2023-06-01' }],
  };
  for (const [name, v] of Object.entries(over.headers ?? {})) {
    const values = Array.isArray(v) ? v : [v];
    if (values.length === 0) delete headers[name];
    else headers[name] = values.map((value) => ({ key: name, value }));
  }
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: over.eventType ?? 'viewer-request',
            requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
          },
          request: {
            clientIp: '203.0.113.178',
            method: over.method ?? 'POST',
            uri: over.uri ?? '/v1/messages',
            querystring: over.querystring ?? '',
            headers,
          },
        },
      },
    ],
  };
}
