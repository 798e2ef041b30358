/**
 * Where every field of the deployment config (config/schema.ts) goes: no dead settings. Each field is read by a
 * function through its environment (lambdas/shared/environment.ts), by the CDK app at synth (a construct prop, a
 * stack, the residency guard), by an offline tool, or only by a validation rule of the schema itself.
 *
 * test/infra/config/consumers.test.ts walks the schema and fails when a field has no entry here (or an entry names
 * a field that no longer exists), when a consumer file no longer reads what its entry says, and when a value sent
 * through the environment does not come back out of the synthesized template unchanged.
 */
import type { FunctionName } from '../lambdas/shared/names';

/** How a config field reaches the running system. */
export type Consumer =
  | {
      /** Written into a function's environment and read back there. */
      readonly kind: 'env';
      readonly fn: FunctionName;
      /** The variable (declared in lambdas/shared/environment.ts). */
      readonly variable: string;
      /** Where the value is in the function's decoded settings (dot path), for the round trip. */
      readonly setting: string;
      /** The synth-side file that passes the field on, and the expression it reads. */
      readonly file: string;
      readonly reads: string;
    }
  | {
      /** Read at synth by the CDK app (a construct prop, a stack, a guard). */
      readonly kind: 'synth' | 'validation' | 'tool';
      readonly file: string;
      /** The expression the file reads the field with (checked to be present). */
      readonly reads: string;
    };

const STACK = 'lib/stacks/safeguards-stack.ts';
const APP = 'lib/safeguards-app.ts';
const SCHEMA = 'config/schema.ts';

const synth = (file: string, reads: string): Consumer => ({ kind: 'synth', file, reads });
const validation = (reads: string): Consumer => ({ kind: 'validation', file: SCHEMA, reads });
const env = (fn: FunctionName, variable: string, setting: string, file: string, reads: string): Consumer => ({
  kind: 'env',
  fn,
  variable,
  setting,
  file,
  reads,
});

/** Every config field (`[]` stands for any array index) and its consumer. */
export const CONFIG_CONSUMERS: Readonly<Record<string, Consumer>> = {
  partner: synth(STACK, 'props.partner'),
  account: synth(APP, 'account: config.account'),
  'regions[].region': synth(APP, 'region: settings.region'),
  'regions[].residencyZone': synth(APP, 'zone: settings.residencyZone'),
  'regions[].classifier.imageUri': synth(STACK, 'classifier.imageUri'),
  'regions[].classifier.modelDataUrl': synth(STACK, 'classifier.modelDataUrl'),
  'regions[].classifier.instanceType': synth(STACK, 'classifier.instanceType'),
  'regions[].classifier.initialInstances': synth(STACK, 'classifier.initialInstances'),
  'regions[].classifier.minInstances': synth(STACK, 'classifier.minInstances'),
  'regions[].classifier.maxInstances': synth(STACK, 'classifier.maxInstances'),
  'regions[].classifier.invocationDeadlineMs': env(
    'proxy',
    'CLASSIFIER_DEADLINE_MS',
    'classifierDeadlineMs',
    STACK,
    'classifier.invocationDeadlineMs',
  ),
  'regions[].classifier.invocationConcurrency': {
    kind: 'tool',
    file: 'scripts/classifier-conformance.ts',
    reads: 'region.classifier.invocationConcurrency',
  },
  'regions[].classifier.mode': env(
    'proxy',
    'CLASSIFIER_MODE',
    'classifierMode',
    STACK,
    'mode: classifier.mode',
  ),
  'regions[].classifier.dataCapture': synth(STACK, 'classifier.dataCapture'),
  'regions[].classifier.dataCapture.enabled': validation('value.enabled'),
  'regions[].classifier.dataCapture.acknowledgeRawPromptCapture': validation(
    'value.acknowledgeRawPromptCapture !== true',
  ),
  'regions[].classifier.dataCapture.retentionDays': synth(STACK, 'classifier.dataCapture.retentionDays'),
  'regions[].classifier.dataCapture.samplingPercentage': synth(
    STACK,
    'classifier.dataCapture.samplingPercentage',
  ),
  'regions[].upstream.kind': env('proxy', 'UPSTREAM', 'upstream.kind', STACK, 'upstream: settings.upstream'),
  'regions[].upstream.modelId': env(
    'proxy',
    'UPSTREAM',
    'upstream.modelId',
    STACK,
    'upstream: settings.upstream',
  ),
  'regions[].upstream.endpointName': env(
    'proxy',
    'UPSTREAM',
    'upstream.endpointName',
    STACK,
    'upstream: settings.upstream',
  ),
  'regions[].upstream.baseUrl': env(
    'proxy',
    'UPSTREAM',
    'upstream.baseUrl',
    STACK,
    'upstream: settings.upstream',
  ),
  'regions[].upstream.apiKeySecretName': env(
    'proxy',
    'UPSTREAM',
    'upstream.apiKeySecretName',
    STACK,
    'upstream: settings.upstream',
  ),
  'regions[].models': env('proxy', 'ALLOWED_MODELS', 'models', STACK, 'models: allowedModels(settings)'),
  'regions[].telemetry.retentionDays': synth(STACK, 'settings.telemetry.retentionDays'),
  'regions[].onCall.emails': synth(STACK, 'settings.onCall.emails'),
  'regions[].onCall.httpsEndpoints': synth(STACK, 'settings.onCall.httpsEndpoints'),
  'regions[].canary.enabled': synth(STACK, 'settings.canary.enabled'),
  'regions[].canary.model': env(
    'canary',
    'CANARY_MODEL',
    'model',
    SCHEMA,
    'r.canary.model ?? allowedModels(r)[0]',
  ),
  'regions[].canary.outputProbes': env(
    'canary',
    'CANARY_OUTPUT_PROBES',
    'outputProbes',
    STACK,
    'outputProbes: settings.canary.outputProbes',
  ),
  'regions[].canary.keyGeneration': synth(STACK, 'keyGeneration: settings.canary.keyGeneration'),
  overviewRegion: synth(APP, 'config.overviewRegion'),
  runbookBaseUrl: synth(APP, 'runbookBaseUrl: config.runbookBaseUrl'),
  strictInRegionZones: validation('c.strictInRegionZones'),
  keyAdministratorRoleArns: synth(APP, 'keyAdministratorRoleArns: config.keyAdministratorRoleArns'),
  'edge.hostname': synth(APP, 'hostname: edge.hostname'),
  'edge.certificateArn': synth(APP, 'certificateArn: edge.certificateArn'),
  'edge.origins[].region': synth(APP, 'o.region'),
  'edge.origins[].domainName': synth(APP, 'domainName: origin.domainName'),
  'edge.origins[].certificateArn': synth(APP, 'certificateArn: origin.certificateArn'),
  'edge.claimPublicKeys': synth(APP, 'claimPublicKeys: edge.claimPublicKeys'),
  'edge.originPublicKeys': env(
    'authorizer',
    'EDGE_ORIGIN_PUBLIC_KEYS',
    'edgeOriginPublicKeys',
    APP,
    'requiredAssertionKeys: config.edge.originPublicKeys',
  ),
  'edge.originSigningSecretName': synth(APP, 'originSigningSecretName: edge.originSigningSecretName'),
  'edge.requireEdge': synth(APP, 'config.edge.requireEdge'),
  'edge.limits.maxBodyBytes': synth(APP, 'maxBodyBytes: edge.limits.maxBodyBytes'),
  'edge.limits.maxHeaderBytes': synth(APP, 'maxHeaderBytes: edge.limits.maxHeaderBytes'),
  'edge.limits.requestsPer5MinPerIp': synth(APP, 'requestsPer5MinPerIp: edge.limits.requestsPer5MinPerIp'),
};
