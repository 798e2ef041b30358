/**
 * A byte-level TCP pass-through on 127.0.0.1 that remembers each connection: when it opened and closed
 * and what the client sent. Put between the gateway and the demo upstream, it shows whether the
 * gateway really closed its upstream call (e.g. after a client abort).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface SpiedConnection {
  readonly openedAt: number;
  closedAt: number | undefined;
  /** What the client sent (first 64 KiB), latin1, for matching markers. */
  sent: string;
  bytesFromTarget: number;
}

export interface TcpSpy {
  readonly url: string;
  readonly connections: () => readonly SpiedConnection[];
  close(): Promise<void>;
}

/** Starts the spy in front of `target` (`http://127.0.0.1:<port>`). */
export async function startTcpSpy(target: string): Promise<TcpSpy> {
  const t = new URL(target);
  const conns: SpiedConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const c: SpiedConnection = { openedAt: Date.now(), closedAt: undefined, sent: '', bytesFromTarget: 0 };
    conns.push(c);
    const upstream = createConnection({ host: t.hostname, port: Number(t.port) });
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (d: Buffer) => {
      if (c.sent.length < 65_536) c.sent += d.toString('latin1');
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      c.bytesFromTarget += d.length;
      client.write(d);
    });
    const end = () => {
      c.closedAt ??= Date.now();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('tcp spy has no address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    connections: () => conns,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
