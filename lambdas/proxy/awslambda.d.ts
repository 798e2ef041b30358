/**
 * Types of the Lambda Node.js runtime's response-streaming global `awslambda`. The global itself is not
 * declared here (@types/aws-lambda declares it as always present, which is wrong outside Lambda): the
 * handler reads it through a type guard (`runtimeGlobal()` in handler.ts).
 */
import type { Writable } from 'node:stream';

declare global {
  /** Metadata written before the body of a streamed HTTP response (API Gateway / function URL format). */
  interface AwsLambdaHttpResponseMetadata {
    statusCode: number;
    headers?: Record<string, string>;
    multiValueHeaders?: Record<string, string[]>;
    cookies?: string[];
  }

  /** `awslambda` as the Node.js runtime defines it. */
  interface AwsLambdaRuntime {
    streamifyResponse<E, C>(
      handler: (event: E, responseStream: Writable, context: C) => Promise<void>,
    ): (event: E, context: C) => Promise<void>;
    HttpResponseStream: {
      from(responseStream: Writable, metadata: AwsLambdaHttpResponseMetadata): Writable;
    };
  }
}
