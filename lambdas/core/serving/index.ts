/** Serving: the request path shared by the proxy Lambda and the local gateway (pure, AWS-free). */
export * from './anthropic';
export * from './bedrock';
export * from './errors';
export * from './node-writer';
export { emitMetrics, estimateTokens, modelBody, refusalDetails, serveInference } from './serve';
export * from './sse';
export * from './types';
