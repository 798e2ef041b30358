/**
 * The operator API's dependencies, built once per instance at module scope: settings read through the one
 * contract (lambdas/shared/environment.ts, written by lib/constructs/operator-api.ts), then the clients. Importing
 * this module reads `process.env` and fails fast naming every variable at fault; it does no network I/O.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SNSClient } from '@aws-sdk/client-sns';
import { createDocumentClient } from '../adapters/dynamo/client';
import { kmsPseudonymizer } from '../adapters/hmac';
import { snsNotifier } from '../adapters/notify/sns';
import { fromEnvironment, type OperatorSettings } from '../shared/environment';
import { type OperatorContext, operatorContext } from './actions';

/** The operator's settings, read once. */
export const settings: OperatorSettings = fromEnvironment('operator', process.env);

const documents = createDocumentClient({});
// One pseudonymizer (and its cache) for the notifications and for resolving `tn_…` in `GET /tenants/{tenantId}`.
const pseudonymize = kmsPseudonymizer(new KMSClient({}), settings.hmacKeyId);
const notifier = snsNotifier(new SNSClient({}), settings.alarmTopicArn, pseudonymize);
const tables = {
  tenants: settings.tenantsTable,
  // The operator API sets no limits: its role has no grant on the limits table.
  limits: 'unused',
  violations: settings.violationsTable,
  audit: settings.auditTable,
};

/** The actions' context for one caller (its IAM principal is the audit actor). */
export const contextFor = (actor: string): OperatorContext =>
  operatorContext(documents, tables, actor, notifier, { pseudonymize });
