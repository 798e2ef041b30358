/**
 * Lambda entry of the canary-tenant custom resource (./provision.ts, behind the CDK provider framework).
 * Environment read once through the contract (lambdas/shared/environment.ts, `canaryTenant`: `TENANTS_TABLE`);
 * clients and the logger built once at module scope, no I/O at import. IAM (lib/constructs/canary-tenant.ts):
 * `GetSecretValue` on the canary's secret, and on the tenants table `GetItem`, `PutItem`, `DeleteItem` and `Query`
 * of the `byTenant` index.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createDocumentClient } from '../adapters/dynamo/client';
import { DynamoTenantStore } from '../adapters/dynamo/tenant-store';
import { fromEnvironment } from '../shared/environment';
import { powertools } from '../shared/powertools';
import { type ProvisionDeps, type ProvisionResult, provisionCanaryTenant } from './provision';

/** The handler over the given deps (tests pass their own). */
export const makeHandler =
  (deps: ProvisionDeps) =>
  (event: CloudFormationCustomResourceEvent): Promise<ProvisionResult> =>
    provisionCanaryTenant(event, deps);

const { tenantsTable } = fromEnvironment('canaryTenant', process.env);
const secrets = new SecretsManagerClient({});
const { logger } = powertools('canaryTenant');

/** The Lambda entry point. */
export const handler = makeHandler({
  tenants: new DynamoTenantStore({
    client: createDocumentClient({}),
    tableName: tenantsTable,
    cacheTtlMs: 0,
  }),
  readSecret: async (secretId) => {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof out.SecretString !== 'string') {
      throw new Error(`canary tenant: secret ${secretId} has no SecretString`);
    }
    return out.SecretString;
  },
  log: (message, extra) => logger.info(message, { ...extra }),
});
