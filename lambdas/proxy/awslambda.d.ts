/**
 * Types around the Lambda Node.js runtime's response-streaming global `awslambda` (declared by @types/aws-lambda),
 * which the runtime defines before it loads the handler module; tests that load the entry define a stand-in first
 * (test/unit/lambdas/proxy/env.ts).
 */
export {};

declare global {
  /** Metadata written before the body of a streamed HTTP response (API Gateway / function URL format). */
  interface AwsLambdaHttpResponseMetadata {
    statusCode: number;
    headers?: Record<string, string>;
    multiValueHeaders?: Record<string, string[]>;
    cookies?: string[];
  }
}
