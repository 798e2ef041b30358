/**
 * The proxy's dependencies, built once per instance at module scope: settings read from the environment through
 * the one contract (lambdas/shared/environment.ts, written by lib/constructs/serving-functions.ts), the AWS
 * clients, then the serving graph (lambdas/shared/compose.ts, the same root the local gateway uses).
 *
 * Importing this module reads `process.env` and fails fast naming every variable at fault; it does no network I/O
 * (clients connect on first use).
 */
import { kmsClient, kmsGenerateMac } from '../adapters/aws/kms';
import { lazyClient, sdk } from '../adapters/aws/lazy-client';
import type { Notifier } from '../adapters/dynamo/ladder-store';
import { SignedDocumentClient } from '../adapters/dynamo/signed-document-client';
import { macPseudonymizer } from '../adapters/hmac';
import { fanOut, snsNotifier } from '../adapters/notify/sns';
import { BedrockHttpClient, extensionSecret } from '../adapters/upstream';
import type { ServeDeps } from '../core/serving/types';
import { composeServing, type ServingClients, servingConfigFromSettings } from '../shared/compose';
import { fromEnvironment, type ProxySettings } from '../shared/environment';
import { logger, metrics, portLog, sink } from './instrumentation';

/** Status changes as log lines, always: the on-call topic is the second channel. */
const logNotifier: Notifier = {
  async notify(n) {
    logger.warn('enforcement status change', {
      auditEventId: n.auditEventId,
      actor: n.actor,
      after: n.after.status,
      reason: n.reason,
    });
  },
};

/**
 * The AWS clients and sinks for a proxy with these settings (only the clients its upstream and tier 2 use). DynamoDB
 * and KMS, called on every blocked request, go through signed JSON-protocol calls instead of the SDK's clients
 * (docs/adr/0057); Bedrock through its own signed client (docs/adr/0042). The SNS and SageMaker Runtime clients load
 * their SDK module on their first call (most requests make none; docs/adr/0030).
 */
export function awsClients(settings: ProxySettings): ServingClients {
  const region = settings.region;
  const upstream = settings.upstream;
  const pseudonymize = macPseudonymizer(kmsGenerateMac(kmsClient({ region }), settings.hmacKeyId));
  const needsSageMaker = upstream.kind === 'sagemaker' || settings.classifierEndpointName !== undefined;
  return {
    documents: new SignedDocumentClient({ region }),
    ...(needsSageMaker
      ? {
          sagemaker: lazyClient(() => new (sdk.sagemakerRuntime().SageMakerRuntimeClient)({ region })),
        }
      : {}),
    ...(upstream.kind === 'bedrock' ? { bedrock: new BedrockHttpClient({ region }) } : {}),
    ...(upstream.kind === 'https' && upstream.apiKeySecretName
      ? {
          upstreamApiKey: extensionSecret({
            secretId: upstream.apiKeySecretName,
            sessionToken: settings.sessionToken ?? '',
          }),
        }
      : {}),
    pseudonymize,
    notifier: fanOut(
      logNotifier,
      snsNotifier(
        lazyClient(() => new (sdk.sns().SNSClient)({ region })),
        settings.alarmTopicArn,
        pseudonymize,
      ),
    ),
    sink,
    metrics,
    log: portLog(logger),
  };
}

/** The proxy's settings, read once. */
export const settings: ProxySettings = fromEnvironment('proxy', process.env);

/** The serving graph of this instance. */
export const serveDeps: ServeDeps = composeServing(servingConfigFromSettings(settings), awsClients(settings));
