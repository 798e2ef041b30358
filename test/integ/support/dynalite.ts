import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LocalDynamo, localClients, startDynalite as start } from '../../../local/dynalite';

export type { LocalDynamo };

/** Starts dynalite (in-memory) on 127.0.0.1:<free port> with the enforcement tables (prefix `test-`). */
export function startDynalite(prefix = 'test-'): Promise<LocalDynamo> {
  return start({ prefix });
}

/** A second document client on the same endpoint (another "instance"), so counters stay per client. */
export function clientFor(endpoint: string): DynamoDBDocumentClient {
  return localClients(endpoint).doc;
}

/**
 * GetItem answers on `client` that can be held back: `hold()` holds every GetItem *sent* from then until
 * `stopHolding()` (decided when it is sent, so a read sent before a change always answers after it); `release()`
 * lets the held ones answer; `answered` counts GetItem answers, held ones included once they are through.
 */
export function holdGetItems(client: DynamoDBDocumentClient) {
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  const state = {
    answered: 0,
    hold() {
      gate = new Promise<void>((r) => {
        open = r;
      });
    },
    stopHolding() {
      gate = undefined;
    },
    release() {
      open();
    },
    /** Waits (bounded) until `n` GetItem answers are through. */
    async untilAnswered(n: number) {
      for (let i = 0; i < 100 && state.answered < n; i++) await new Promise((r) => setTimeout(r, 5));
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const held = context.commandName === 'GetItemCommand' ? gate : undefined;
      const out = await next(args);
      if (held) await held;
      if (context.commandName === 'GetItemCommand') state.answered++;
      return out;
    },
    { step: 'initialize', name: 'holdGetItems' },
  );
  return state;
}
