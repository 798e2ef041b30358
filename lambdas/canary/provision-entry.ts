/**
 * Lambda entry of the canary-tenant custom resource (lambdas/canary/provision.ts). Env read once: `TENANTS_TABLE`
 * (required). Clients built once, no I/O at import. IAM (lib/constructs/canary-tenant.ts): `GetSecretValue` on the
 * canary's secret, and on the tenants table `GetItem`, `PutItem`, `DeleteItem` and `Query` of the `byTenant` index.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createDocumentClient } from '../adapters/dynamo/client';
import { DynamoTenantStore } from '../adapters/dynamo/tenant-store';
import { type ProvisionResult, provisionCanaryTenant } from './provision';

const tableName = process.env['TENANTS_TABLE']?.trim();
if (!tableName) throw new Error('canary tenant: environment variable TENANTS_TABLE is required');

const tenants = new DynamoTenantStore({ client: createDocumentClient({}), tableName, cacheTtlMs: 0 });
const secrets = new SecretsManagerClient({});

const readSecret = async (secretId: string): Promise<string> => {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (typeof out.SecretString !== 'string')
    throw new Error(`canary tenant: secret ${secretId} has no SecretString`);
  return out.SecretString;
};

const log = (message: string, extra: Readonly<Record<string, unknown>>): void => {
  console.log(JSON.stringify({ level: 'INFO', message, ...extra }));
};

export const handler = (event: CloudFormationCustomResourceEvent): Promise<ProvisionResult> =>
  provisionCanaryTenant(event, { tenants, readSecret, log });
