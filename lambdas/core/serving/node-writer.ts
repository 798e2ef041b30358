/**
 * A {@link ResponseWriter} over a Node `http.ServerResponse`, for the local gateway. Uses only the
 * structural surface below, so it needs no import of `node:http` and stays testable with a fake.
 */
import type { ResponseWriter } from './types';

/** The parts of `http.ServerResponse` (and its request) the writer uses. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  /** `false` when the buffer is full: wait for `drain`. */
  write(chunk: Uint8Array | string): boolean;
  /** Holds writes in memory until {@link uncork} (or `end`, which sends everything held). */
  cork(): void;
  uncork(): void;
  end(last?: Uint8Array | string): unknown;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Wraps a Node response; a `close` before `end` is a client abort. The head is handed to Node with the first
 * bytes: a response given whole to `end` gets a `content-length` (Node would otherwise have chosen chunked
 * encoding at `writeHead`) and leaves in one socket write. Streamed writes made in one event-loop turn (the
 * events relayed from one upstream read) leave together: the first corks the response and the turn's end
 * (`setImmediate`) uncorks it, one socket write per turn instead of one per event.
 */
export function nodeResponseWriter(res: NodeResponseLike): ResponseWriter {
  let aborted = false;
  let full = false;
  let pendingHead: { status: number; headers: Record<string, string> } | undefined;
  const flushHead = () => {
    if (!pendingHead) return;
    res.writeHead(pendingHead.status, pendingHead.headers);
    pendingHead = undefined;
  };
  const listeners: Array<() => void> = [];
  let corked: NodeJS.Immediate | undefined;
  const uncork = () => {
    corked = undefined;
    if (!res.destroyed) res.uncork();
  };
  res.on('close', () => {
    if (corked) clearImmediate(corked);
    corked = undefined;
    if (res.writableEnded || aborted) return;
    aborted = true;
    for (const l of listeners) l();
  });
  return {
    get aborted() {
      return aborted || (res.destroyed && !res.writableEnded);
    },
    onAbort(listener) {
      listeners.push(listener);
    },
    head(status, headers) {
      pendingHead = { status, headers: { ...headers } };
    },
    write(chunk) {
      if (aborted || res.destroyed) return;
      flushHead();
      if (!corked) {
        res.cork();
        corked = setImmediate(uncork);
      }
      if (!res.write(chunk)) full = true;
    },
    ready() {
      if (!full || aborted || res.destroyed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          full = false;
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    },
    end(last) {
      if (res.writableEnded || res.destroyed) return;
      if (pendingHead && last !== undefined) {
        pendingHead.headers['content-length'] = String(
          typeof last === 'string' ? Buffer.byteLength(last, 'utf8') : last.byteLength,
        );
      }
      flushHead();
      // `end` sends whatever is held: the pending uncork must not touch the socket after it (keep-alive reuses it).
      if (corked) clearImmediate(corked);
      corked = undefined;
      if (last === undefined) res.end();
      else res.end(last);
    },
  };
}
