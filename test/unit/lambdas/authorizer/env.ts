// Imported first by handler tests: the handler module builds its default deps from the environment at import.
process.env.TENANTS_TABLE ??= 'tenants';
process.env.LIMITS_TABLE ??= 'limits';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
