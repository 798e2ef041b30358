import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseWriter } from '../lambdas/core/serving';

/**
 * {@link ResponseWriter} over a Node `http.ServerResponse`: the local gateway's equivalent of the
 * Lambda response stream. Streams are written as they come (no buffering), and a client that goes
 * away is reported through `onAbort` so the upstream call can be cancelled.
 */
export class NodeResponseWriter implements ResponseWriter {
  private abortedFlag = false;
  private ended = false;
  private readonly listeners: (() => void)[] = [];
  /** Status sent, for the gateway's own accounting. */
  status = 0;

  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    res.on('close', () => {
      if (this.ended || res.writableFinished) return;
      this.abortedFlag = true;
      for (const l of this.listeners.splice(0)) l();
    });
    req.on('aborted', () => res.destroy());
  }

  get aborted(): boolean {
    return this.abortedFlag;
  }

  head(status: number, headers: Readonly<Record<string, string>>): void {
    this.status = status;
    if (!this.res.headersSent) this.res.writeHead(status, headers);
  }

  write(chunk: Uint8Array | string): void {
    if (!this.abortedFlag && !this.res.writableEnded) this.res.write(chunk);
  }

  end(): void {
    this.ended = true;
    if (!this.res.writableEnded) this.res.end();
  }

  onAbort(listener: () => void): void {
    if (this.abortedFlag) listener();
    else this.listeners.push(listener);
  }
}
