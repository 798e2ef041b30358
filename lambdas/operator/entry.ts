/**
 * Lambda entry of the operator API: env read once (TENANTS_TABLE, VIOLATIONS_TABLE, AUDIT_TABLE,
 * ALARM_TOPIC_ARN optional, then HMAC_KEY_ID required for the notifications' pseudonyms), clients built once,
 * no I/O at import.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SNSClient } from '@aws-sdk/client-sns';
import { createDocumentClient } from '../adapters/dynamo/client';
import { kmsPseudonymizer } from '../adapters/hmac';
import { snsNotifier } from '../adapters/notify/sns';
import { operatorContext } from './actions';
import { makeHandler } from './handler';

function required(name: string): string {
  const v = process.env[name]?.trim();
  if (!v) throw new Error(`operator: environment variable ${name} is required`);
  return v;
}

const tables = {
  tenants: required('TENANTS_TABLE'),
  limits: process.env['LIMITS_TABLE']?.trim() || 'unused',
  violations: required('VIOLATIONS_TABLE'),
  audit: required('AUDIT_TABLE'),
};
const client = createDocumentClient({});
const topic = process.env['ALARM_TOPIC_ARN']?.trim();
const notifier = topic
  ? snsNotifier(new SNSClient({}), topic, kmsPseudonymizer(new KMSClient({}), required('HMAC_KEY_ID')))
  : undefined;

export const handler = makeHandler((actor) => operatorContext(client, tables, actor, notifier));
