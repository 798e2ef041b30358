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
 * Binary values (`B`, `BS`: a `Uint8Array` in an item) go over the wire as base64, as the SDK's serializer sends them,
 * and come back as `Uint8Array` (also in the `Item` of a `ConditionalCheckFailedException`).
 *
 * An `UpdateItem` that adds to what is stored (an `ADD` clause, `+`/`-` arithmetic, `list_append`: a strike counter)
 * is sent as not idempotent: once its request was written, a timeout or reset is thrown, not retried, since DynamoDB
 * may have applied it and a repeat would count twice ({@link addsToStoredValues}, docs/adr/0057) — unless it is
 * token-guarded (./write-token.ts: the rate limiter's updates), which a repeat cannot apply twice.
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
import { isTokenGuarded } from './write-token';

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
  if (known) {
    const fields: Record<string, unknown> = { ...e.fields };
    // The item a failed condition returns (ReturnValuesOnConditionCheckFailure), marshalled as the SDK leaves it.
    if (isObject(fields['Item'])) fields['Item'] = mapAttributes(fields['Item'] as AttributeMap, fromWire);
    return new (candidate as ExceptionClass)({ message: e.message, $metadata, ...fields });
  }
  return new dynamodb.DynamoDBServiceException({
    name: e.name,
    $fault: e.$fault,
    $metadata,
    message: e.message,
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Each value of an attribute map through `f`. */
function mapAttributes(map: AttributeMap, f: (v: dynamodb.AttributeValue) => unknown): AttributeMap {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(map)) out[k] = f(v);
  return out as AttributeMap;
}

/** An attribute value as JSON sends it: binary (`B`, `BS`, nested in `M`/`L`) as base64, the rest as is. */
function toWire(v: dynamodb.AttributeValue): unknown {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.M !== undefined) return { M: mapAttributes(v.M, toWire) };
  if (v.L !== undefined) return { L: v.L.map(toWire) };
  return v;
}

/** An attribute value as JSON received it, binary decoded from base64 to `Uint8Array` (as the SDK's client gives). */
function fromWire(v: dynamodb.AttributeValue): dynamodb.AttributeValue {
  const raw = v as unknown as Record<string, unknown>;
  if (typeof raw['B'] === 'string') return { B: base64Bytes(raw['B']) };
  if (Array.isArray(raw['BS'])) return { BS: raw['BS'].map((b) => base64Bytes(b)) };
  if (isObject(raw['M'])) return { M: mapAttributes(raw['M'] as AttributeMap, fromWire) };
  if (Array.isArray(raw['L'])) return { L: (raw['L'] as dynamodb.AttributeValue[]).map(fromWire) };
  return v;
}

/** Strict base64 (what DynamoDB sends): anything else is an invalid response, never silently other bytes. */
function base64Bytes(s: unknown): Uint8Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0)
    throw new Error('SignedDocumentClient: a binary attribute in the response is not base64');
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
      else input[field] = mapAttributes(marshall(value as Record<string, unknown>, MARSHALL), toWire);
    }
    // A token-guarded update is never applied twice (./write-token.ts): re-sent like any idempotent call.
    const idempotent =
      isTokenGuarded(command) ||
      !(shape.operation === 'UpdateItem' && addsToStoredValues(input['UpdateExpression']));
    const output: Record<string, unknown> = await this.client.call(shape.operation, input, { idempotent });
    for (const field of shape.output) {
      const value = output[field];
      if (isObject(value)) output[field] = unmarshall(mapAttributes(value as AttributeMap, fromWire));
    }
    for (const field of shape.outputLists ?? []) {
      const value = output[field];
      if (Array.isArray(value))
        output[field] = value.map((item) => unmarshall(mapAttributes(item as AttributeMap, fromWire)));
    }
    output['$metadata'] = { httpStatusCode: 200 };
    return output;
  }
}
