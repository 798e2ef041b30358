/**
 * The document commands the enforcement stores send (`GetCommand`, `PutCommand`, `UpdateCommand`, `DeleteCommand`,
 * `QueryCommand` of `@aws-sdk/lib-dynamodb`), sent over the JSON-protocol client (../aws/json-client.ts) instead of
 * the SDK's DynamoDB client: the same commands, marshalled as `DynamoDBDocumentClient` marshals them
 * (`removeUndefinedValues`, `@aws-sdk/util-dynamodb`), the same outputs, and the SDK's own exception classes
 * (`ConditionalCheckFailedException` with its `Item`, …), so a store cannot tell the two apart (docs/adr/0057).
 *
 * Only the expression forms of the API are sent: a command with a legacy parameter (`Expected`, `AttributeUpdates`,
 * `KeyConditions`, `QueryFilter`, `ScanFilter`) or another command fails at once, naming it, before any call.
 *
 * An `UpdateItem` that adds to what is stored (an `ADD` clause, `+`/`-` arithmetic, `list_append`: a strike counter)
 * is sent as not idempotent: once its request was written, a timeout or reset is thrown, not retried, since DynamoDB
 * may have applied it and a repeat would count twice ({@link addsToStoredValues}, docs/adr/0057).
 */
import * as dynamodb from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type AwsJsonApi,
  AwsJsonClient,
  type AwsJsonClientOptions,
  type AwsServiceError,
} from '../aws/json-client';
import type { DocumentSender } from './client';

/** DynamoDB's JSON protocol. */
export const DYNAMODB_API: AwsJsonApi = {
  service: 'dynamodb',
  endpointEnv: 'DYNAMODB',
  targetPrefix: 'DynamoDB_20120810',
  jsonVersion: '1.0',
};

type ExceptionClass = new (opts: Record<string, unknown>) => dynamodb.DynamoDBServiceException;

/** A DynamoDB error as the SDK's client throws it: its exception class by name, else the service's base class. */
export function dynamoDbError(e: AwsServiceError): Error {
  const candidate = (dynamodb as unknown as Record<string, unknown>)[e.name];
  const known =
    typeof candidate === 'function' &&
    (candidate as { prototype?: unknown }).prototype instanceof dynamodb.DynamoDBServiceException;
  const $metadata = e.$metadata;
  if (known) return new (candidate as ExceptionClass)({ message: e.message, $metadata, ...e.fields });
  return new dynamodb.DynamoDBServiceException({
    name: e.name,
    $fault: e.$fault,
    $metadata,
    message: e.message,
  });
}

/** Maps of attribute values a command's input holds (marshalled) and its output holds (unmarshalled). */
interface Shape {
  readonly operation: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  /** Output fields holding a list of items. */
  readonly outputLists?: readonly string[];
}

const SHAPES: ReadonlyArray<readonly [abstract new (...args: never[]) => unknown, Shape]> = [
  [GetCommand, { operation: 'GetItem', input: ['Key'], output: ['Item'] }],
  [
    PutCommand,
    { operation: 'PutItem', input: ['Item', 'ExpressionAttributeValues'], output: ['Attributes'] },
  ],
  [
    UpdateCommand,
    { operation: 'UpdateItem', input: ['Key', 'ExpressionAttributeValues'], output: ['Attributes'] },
  ],
  [
    DeleteCommand,
    { operation: 'DeleteItem', input: ['Key', 'ExpressionAttributeValues'], output: ['Attributes'] },
  ],
  [
    QueryCommand,
    {
      operation: 'Query',
      input: ['ExclusiveStartKey', 'ExpressionAttributeValues'],
      output: ['LastEvaluatedKey'],
      outputLists: ['Items'],
    },
  ],
];

/**
 * Whether an update expression adds to the stored value (so applying it twice differs from applying it once): an
 * `ADD` clause, `+`/`-` arithmetic in `SET`, or `list_append`. Attribute names that are reserved words or hold other
 * characters are placeholders (`#x`) in an expression, so a bare `ADD`, `+` or `-` is always the operator.
 */
export function addsToStoredValues(updateExpression: unknown): boolean {
  return typeof updateExpression === 'string' && /\bADD\b|[+-]|\blist_append\s*\(/i.test(updateExpression);
}

/** Parameters of the API's legacy (non-expression) forms: not sent by this client. */
const LEGACY = ['Expected', 'AttributeUpdates', 'KeyConditions', 'QueryFilter', 'ScanFilter'] as const;

const MARSHALL = { removeUndefinedValues: true } as const;

type AttributeMap = Record<string, dynamodb.AttributeValue>;

/** A `DocumentSender` over {@link AwsJsonClient}: the enforcement stores' calls without the SDK's client. */
export class SignedDocumentClient {
  readonly client: AwsJsonClient;

  constructor(options: AwsJsonClientOptions) {
    this.client = new AwsJsonClient(DYNAMODB_API, { errors: dynamoDbError, ...options });
  }

  /**
   * Sends a document command: its input marshalled, its output unmarshalled (with `$metadata`), as
   * `DynamoDBDocumentClient.send` does. @throws Error naming an unsupported command or legacy parameter (no call made)
   */
  send: DocumentSender['send'] = ((command: { readonly input?: unknown }) =>
    this.sendCommand(command)) as DocumentSender['send'];

  private async sendCommand(command: { readonly input?: unknown }): Promise<unknown> {
    const shape = SHAPES.find(([type]) => command instanceof type)?.[1];
    if (!shape) {
      const name = (command as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      throw new Error(`SignedDocumentClient: ${name} is not supported (Get, Put, Update, Delete, Query)`);
    }
    const input = { ...(command.input as Record<string, unknown>) };
    for (const legacy of LEGACY) {
      if (input[legacy] !== undefined)
        throw new Error(
          `SignedDocumentClient: ${legacy} (a legacy parameter) is not supported; use expressions`,
        );
    }
    for (const field of shape.input) {
      const value = input[field];
      if (value === undefined) delete input[field];
      else input[field] = marshall(value as Record<string, unknown>, MARSHALL);
    }
    const idempotent = !(shape.operation === 'UpdateItem' && addsToStoredValues(input['UpdateExpression']));
    const output: Record<string, unknown> = await this.client.call(shape.operation, input, { idempotent });
    for (const field of shape.output) {
      const value = output[field];
      if (value !== undefined) output[field] = unmarshall(value as AttributeMap);
    }
    for (const field of shape.outputLists ?? []) {
      const value = output[field];
      if (Array.isArray(value)) output[field] = value.map((item) => unmarshall(item as AttributeMap));
    }
    output['$metadata'] = { httpStatusCode: 200 };
    return output;
  }
}
