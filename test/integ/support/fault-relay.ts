import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the relay does with one request:
 * - `lose-answer`: forwards it (DynamoDB applies it), then never answers (the client's deadline passes);
 * - `reset-after-apply`: forwards it, then resets the connection instead of answering;
 * - `hold`: never forwards it (not applied) and never answers;
 * - `pass` (or undefined): forwards it and relays the answer.
 */
export type Fault = 'lose-answer' | 'reset-after-apply' | 'hold' | 'pass' | undefined;

/** One request as the relay saw it: the operation (`UpdateItem`, …) and the parsed JSON body. */
export interface RelayedRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

/** A relay between a client and a local DynamoDB (dynalite) that injects transport faults around the store. */
export interface FaultRelay {
  readonly endpoint: string;
  /** Every request received, in order, with the fault applied to it. */
  readonly seen: Array<RelayedRequest & { readonly fault: Fault }>;
  close(): Promise<void>;
}

/**
 * Starts a relay on 127.0.0.1:<free port> in front of `target` (a DynamoDB JSON endpoint). `decide` picks the fault
 * for each request (awaited: it may change the table first, e.g. a concurrent writer). A forwarded request is answered
 * by `target` before the fault applies, so `lose-answer` and `reset-after-apply` are writes applied whose answers
 * never reach the client.
 */
export async function startFaultRelay(
  target: string,
  decide: (req: RelayedRequest, index: number) => Fault | Promise<Fault>,
): Promise<FaultRelay> {
  const upstream = new URL(target);
  const seen: FaultRelay['seen'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        // Not JSON: relayed as is.
      }
      const fault = (await decide({ operation, body }, seen.length)) ?? 'pass';
      seen.push({ operation, body, fault });
      if (fault === 'hold') return;
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          const out: Buffer[] = [];
          answer.on('data', (c: Buffer) => out.push(c));
          answer.on('end', () => {
            if (fault === 'lose-answer') return;
            if (fault === 'reset-after-apply') {
              res.socket?.resetAndDestroy();
              return;
            }
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(Buffer.concat(out));
          });
        },
      );
      up.on('error', () => res.destroy());
      up.end(raw);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
