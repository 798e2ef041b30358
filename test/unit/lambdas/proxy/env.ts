// Imported first by tests that load lambdas/proxy/handler.ts: the entry builds its deps from the environment at
// import, inside the Lambda runtime, which defines `awslambda` before it loads the module.
import type { Writable } from 'node:stream';

const defaults: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  UPSTREAM: '{"kind":"bedrock","modelId":"anthropic.claude-test-v1:0"}',
  ALLOWED_MODELS: 'anthropic.claude-test-v1:0',
  CLASSIFIER_MODE: 'never',
  CLASSIFIER_DEADLINE_MS: '150',
  HMAC_KEY_ID: 'arn:aws:kms:eu-west-1:111122223333:key/hmac',
  LIMITS_TABLE: 'limits',
  TENANTS_TABLE: 'tenants',
  VIOLATIONS_TABLE: 'violations',
  AUDIT_TABLE: 'audit',
  ALARM_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alarms',
  RATE_LIMIT_LEASE_MS: '1000',
  POWERTOOLS_METRICS_DISABLED: 'true',
};
for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;

if (!Reflect.has(globalThis, 'awslambda')) {
  Reflect.set(globalThis, 'awslambda', {
    streamifyResponse: <T>(fn: T): T => fn,
    HttpResponseStream: { from: (stream: Writable) => stream },
  });
}

/** The environment the entry is loaded with. */
export const PROXY_TEST_ENV: Readonly<Record<string, string>> = defaults;
