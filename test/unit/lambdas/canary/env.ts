// Imported first by canary handler tests: the handler module builds its default deps from the environment at import.
process.env.CANARY_API_URL ??= 'https://api.example.com/prod/';
process.env.CANARY_API_KEY_SECRET_ID ??= 'safeguards/canary-key';
process.env.CANARY_MODEL ??= 'anthropic.claude-demo-v1:0';
process.env.AWS_SESSION_TOKEN ??= 'session-token';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
