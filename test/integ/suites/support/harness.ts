/**
 * Shared harness of the hostile-input and fault suites: one local runtime (port 0, a temp data folder,
 * nothing published), raw HTTP for what `fetch` will not send, and the telemetry JSONL read back so a
 * suite can prove "exactly one decision record per request".
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecisionRecord } from '../../../../lambdas/core/decision/record';
import { DEMO_MODELS } from '../../../../local/gateway';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../../../local/runtime';

/** A response as the suites see it: status, lower-cased headers, the body as text. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

export interface Harness {
  readonly rt: LocalRuntime;
  readonly dir: string;
  /** Every decision record written to the JSONL file so far. */
  records(): DecisionRecord[];
  /** Lines in the JSONL file. */
  lines(): number;
  /** Waits (bounded) until a record with this decision id is in the file; throws after `timeoutMs`. */
  waitForRecord(decisionId: string, timeoutMs?: number): Promise<DecisionRecord>;
  /** Waits (bounded) until the file has at least `n` lines; returns the count. */
  waitForLines(n: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the local runtime in a fresh temp folder with operational logs kept in `logs`. */
export async function startHarness(
  opts: Omit<LocalRuntimeOptions, 'port' | 'dataDir' | 'publish'> = {},
  logs: string[] = [],
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'csp-suite-'));
  const rt = await startLocalRuntime({
    log: (l) => {
      if (logs.length < 10_000) logs.push(l);
    },
    // The suites drive the demo model, also through an upstream URL (a proxy in front of the demo upstream).
    models: DEMO_MODELS,
    ...opts,
    port: 0,
    dataDir: dir,
    publish: false,
  });
  const read = (): string[] =>
    existsSync(rt.telemetry.path)
      ? readFileSync(rt.telemetry.path, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
  const records = () => read().map((l) => JSON.parse(l) as DecisionRecord);
  return {
    rt,
    dir,
    records,
    lines: () => read().length,
    async waitForRecord(decisionId, timeoutMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = records().filter((r) => r.decisionId === decisionId);
        if (found.length > 0) return found[0]!;
        if (Date.now() > deadline)
          throw new Error(`no decision record for ${decisionId} after ${timeoutMs} ms`);
        await sleep(10);
      }
    },
    async waitForLines(n, timeoutMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const count = read().length;
        if (count >= n || Date.now() > deadline) return count;
        await sleep(10);
      }
    },
    async stop() {
      await rt.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Options of {@link rawRequest}: headers are sent exactly as given (arrays become repeated headers). */
export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  readonly body?: Buffer | string;
  /** @default 10 000 ms */
  readonly timeoutMs?: number;
}

/**
 * One HTTP/1.1 request over `node:http` (a fresh connection), for what `fetch` refuses to send:
 * repeated headers, `content-encoding` with raw bytes, bodies larger than the server reads. If the
 * server answers and closes before the whole body was written (413), the answer is still returned.
 */
export function rawRequest(baseUrl: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(r.path, baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: r.method ?? 'POST',
        // Any header may repeat on the wire (Node's typings only allow it for some).
        headers: (r.headers ?? {}) as OutgoingHttpHeaders,
        agent: false,
        timeout: r.timeoutMs ?? 10_000,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        res.on('end', done);
        res.on('error', done);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`raw request to ${r.path} timed out`)));
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (r.body !== undefined) {
      // Written in 64 KiB slices so a server that stops reading does not leave one huge pending write.
      const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
      let offset = 0;
      const pump = () => {
        while (offset < body.length) {
          const slice = body.subarray(offset, offset + 65_536);
          offset += slice.length;
          if (req.destroyed) return;
          if (!req.write(slice)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    } else {
      req.end();
    }
  });
}

/** `fetch` wrapped into a {@link RawResponse}. */
export async function fetchRaw(url: string, init: RequestInit): Promise<RawResponse> {
  const res = await fetch(url, init);
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return { status: res.status, headers, text: await res.text() };
}

/** A Messages API body with one user message. */
export function messagesBody(text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model: 'demo',
    max_tokens: 64,
    messages: [{ role: 'user', content: text }],
    ...extra,
  });
}

/** The `request_id` of an Anthropic error body, or undefined. */
export function bodyRequestId(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as { request_id?: unknown };
    return typeof json.request_id === 'string' ? json.request_id : undefined;
  } catch {
    return undefined;
  }
}
