// Imported first by tests that load lambdas/operator/handler.ts: the entry builds its deps from the environment at
// import.
process.env.TENANTS_TABLE ??= 'tenants';
process.env.VIOLATIONS_TABLE ??= 'violations';
process.env.AUDIT_TABLE ??= 'audit';
process.env.ALARM_TOPIC_ARN ??= 'arn:aws:sns:eu-west-1:111122223333:alarms';
process.env.HMAC_KEY_ID ??= 'arn:aws:kms:eu-west-1:111122223333:key/hmac';
process.env.AWS_REGION ??= 'eu-west-1';
