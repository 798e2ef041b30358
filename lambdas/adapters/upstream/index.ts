/** Upstream adapters: Bedrock Runtime, SageMaker endpoint, Anthropic-compatible HTTPS. */
export * from './anthropic-http';
export * from './bedrock';
export * from './errors';
export * from './events';
export * from './http-call';
export * from './sagemaker';
export * from './secret';
