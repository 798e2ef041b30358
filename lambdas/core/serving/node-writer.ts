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
  end(last?: Uint8Array | string): unknown;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Wraps a Node response; a `close` before `end` is a client abort. */
export function nodeResponseWriter(res: NodeResponseLike): ResponseWriter {
  let aborted = false;
  let full = false;
  const listeners: Array<() => void> = [];
  res.on('close', () => {
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
      res.writeHead(status, { ...headers });
    },
    write(chunk) {
      if (!aborted && !res.destroyed && !res.write(chunk)) full = true;
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
      // Node sends head and body in one write, with a content-length, when the body comes with `end` alone.
      if (last === undefined) res.end();
      else res.end(last);
    },
  };
}
