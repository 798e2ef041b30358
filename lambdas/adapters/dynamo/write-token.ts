/**
 * Conditional writes that stay right when a client re-sends them after DynamoDB applied them (docs/adr/0057).
 *
 * A client retries an attempt whose answer was lost (a timeout after the request was written, a reset on a reused
 * keep-alive socket); DynamoDB may have applied that attempt. A conditional write re-sent after it was applied fails
 * its condition, and the caller would take its own write for a concurrent one: the rate limiter would charge the
 * tenant again, a status change would be reported as "changed concurrently" and its audit event never written.
 *
 * A token-guarded update carries a token unique to the logical write: it sets `writeToken = <token>`, its condition
 * also requires that the stored `writeToken` is not that token, and it asks for the stored item when the condition
 * fails (`ReturnValuesOnConditionCheckFailure: ALL_OLD`). So a re-sent attempt is never applied a second time (even an
 * `ADD` or `SET #n = #n + :d`), and on `ConditionalCheckFailed` the stored item tells whether one of this write's
 * attempts was applied: it holds this token. No extra round trip when the write succeeds; when its condition fails and
 * the error carries no item (dynalite does not implement `ReturnValuesOnConditionCheckFailure`; DynamoDB omits it when
 * the item does not exist), one strongly consistent `GetItem` of the key reads it.
 *
 * What stays: an item holds the token of the last guarded write only. If another guarded write to the same item lands
 * between an applied attempt and its re-send, the token is gone: the re-send is judged as a new write (its condition
 * decides; a counter update that still fits is applied again) and a failed condition is reported as a conflict.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DocumentSender } from './client';

/** The attribute a token-guarded update sets: the token of the last such update applied to the item. */
export const WRITE_TOKEN_ATTRIBUTE = 'writeToken';
const NAME = '#wtok';
const VALUE = ':wtok';
/** The guard: this write was not applied to the item yet. */
const GUARD = `attribute_not_exists(${NAME}) OR ${NAME} <> ${VALUE}`;

/** The `SET` keyword of an update expression (not a `#set` or `:set` placeholder). */
const SET_CLAUSE = /(?<![#:\w])SET\b/i;

/** Commands built by {@link tokenGuardedUpdate}: re-sending one after it may have been applied is safe. */
const GUARDED = new WeakSet<object>();

/**
 * `condition` in one pair of parentheses, so that an `AND` after it applies to all of it; as it is when one pair already
 * encloses all of it (DynamoDB refuses redundant parentheses). Values and names with parentheses are placeholders in
 * an expression, so every parenthesis is one of the expression's own.
 */
function enclosed(condition: string): string {
  const text = condition.trim();
  if (!text.startsWith('(')) return `(${text})`;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i === text.length - 1 ? text : `(${text})`;
  }
  return `(${text})`;
}

/** A token for one logical write (each of its attempts carries the same). */
export const newWriteToken = (): string => randomUUID();

/**
 * Whether `command` was built by {@link tokenGuardedUpdate}: a client may re-send it after an attempt whose answer
 * was lost, even when its expression adds to a stored value (`SignedDocumentClient` does).
 */
export function isTokenGuarded(command: object): boolean {
  return GUARDED.has(command);
}

/**
 * `input` as a token-guarded `UpdateCommand`: `writeToken = :wtok` added to its `SET` clause (or a `SET` clause added),
 * the guard ANDed with its condition, `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
 * @throws Error when `input` already uses the names `#wtok` or `:wtok` (a programming error; nothing sent)
 */
export function tokenGuardedUpdate(input: UpdateCommandInput, token: string): UpdateCommand {
  if (
    input.ExpressionAttributeNames?.[NAME] !== undefined ||
    input.ExpressionAttributeValues?.[VALUE] !== undefined
  )
    throw new Error(`tokenGuardedUpdate: ${NAME} and ${VALUE} are reserved for the write token`);
  const expression = input.UpdateExpression ?? '';
  // Attribute names that are keywords are placeholders (`#x`) in an expression: a bare `SET` is the clause.
  const updateExpression = SET_CLAUSE.test(expression)
    ? expression.replace(SET_CLAUSE, `SET ${NAME} = ${VALUE},`)
    : `${expression} SET ${NAME} = ${VALUE}`.trim();
  const command = new UpdateCommand({
    ...input,
    UpdateExpression: updateExpression,
    ConditionExpression: input.ConditionExpression
      ? `${enclosed(input.ConditionExpression)} AND (${GUARD})`
      : GUARD,
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, [NAME]: WRITE_TOKEN_ATTRIBUTE },
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, [VALUE]: token },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
  GUARDED.add(command);
  return command;
}

/** Outcome of {@link sendTokenGuardedUpdate}. */
export type GuardedUpdateOutcome =
  | {
      readonly applied: true;
      /**
       * The item after the write: the answer's `Attributes` (as `ReturnValues` asked), or, when a re-sent attempt
       * found it applied ({@link confirmedByToken}), the whole item as it is stored now.
       */
      readonly attributes: Record<string, unknown> | undefined;
      /** An attempt whose answer was lost had applied the write; its re-send failed the guard. */
      readonly confirmedByToken: boolean;
    }
  | {
      readonly applied: false;
      /** The stored item that failed the condition (undefined when there is none). */
      readonly item: Record<string, unknown> | undefined;
    };

/**
 * Sends `input` token-guarded ({@link tokenGuardedUpdate}) under a new token. A `ConditionalCheckFailedException` is
 * not thrown: the outcome says whether the write is applied (by this call's own earlier attempt, when the stored item
 * holds its token) or not (the stored item, which failed the condition, is returned). Other errors are thrown, and so
 * is an error of the follow-up `GetItem` (the caller's fail mode counts them).
 */
export async function sendTokenGuardedUpdate(
  client: DocumentSender,
  input: UpdateCommandInput,
  token: string = newWriteToken(),
): Promise<GuardedUpdateOutcome> {
  try {
    const out = await client.send(tokenGuardedUpdate(input, token));
    return { applied: true, attributes: out.Attributes, confirmedByToken: false };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    const item = err.Item
      ? // As DynamoDB sent it (the SDK's document client does not unmarshall an error's item).
        unmarshall(err.Item)
      : (
          await client.send(
            new GetCommand({ TableName: input.TableName, Key: input.Key, ConsistentRead: true }),
          )
        ).Item;
    if (item !== undefined && item[WRITE_TOKEN_ATTRIBUTE] === token)
      return { applied: true, attributes: item, confirmedByToken: true };
    return { applied: false, item };
  }
}
