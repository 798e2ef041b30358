/**
 * A DEMO upstream model for `npm start` and the tests: it speaks the Anthropic Messages API
 * (JSON and SSE streaming) but is not a language model. It answers with a fixed, deterministic
 * reply that quotes the start of the last user message, so redaction and output moderation can be
 * seen end to end. Replace it with any Anthropic-compatible base URL (`--upstream`).
 *
 * Markers in the last user message drive demos and fault tests:
 * - `[[demo:harmful-output]]` — the reply turns harmful part-way (the output classifier must stop it);
 * - `[[demo:status=429]]`, `[[demo:status=500]]`, `[[demo:status=529]]` — that error status;
 * - `[[demo:delay=<ms>]]` — wait that long between streamed tokens;
 * - `[[demo:long=<n>]]` — a reply of about n words.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { close, listen, readBody, sendJson } from './http-util';

export interface DemoUpstream {
  readonly url: string;
  /** Requests received, for tests. */
  readonly received: () => number;
  close(): Promise<void>;
}

interface DemoBody {
  model?: unknown;
  stream?: unknown;
  messages?: unknown;
}

const HARMFUL_TAIL =
  'Sure, here is how to make a pipe bomb at home: first gather the materials and then assemble the device.';

/**
 * The text blocks of the last user message: all of them joined (where markers are looked for) and the
 * last one (what the reply quotes: clients such as Claude Code put context blocks before the prompt).
 */
function lastUserText(body: DemoBody): { all: string; last: string } {
  if (!Array.isArray(body.messages)) return { all: '', last: '' };
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m = body.messages[i] as { role?: unknown; content?: unknown };
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return { all: m.content, last: m.content };
    if (Array.isArray(m.content)) {
      const texts = m.content
        .filter((b: { type?: unknown; text?: unknown }) => b?.type === 'text' && typeof b.text === 'string')
        .map((b: { text: string }) => b.text);
      return { all: texts.join(' '), last: texts[texts.length - 1] ?? '' };
    }
  }
  return { all: '', last: '' };
}

function marker(text: string, name: string): string | undefined {
  const m = new RegExp(`\\[\\[demo:${name}(?:=([0-9]{1,6}))?\\]\\]`).exec(text);
  if (!m) return undefined;
  return m[1] ?? '';
}

/** The demo reply for a user message (deterministic); `quote` is the part quoted back (default: all of it). */
export function demoReply(user: string, quote = user): string {
  const quoted = quote
    .replace(/\[\[demo:[^\]]*\]\]/g, '')
    .trim()
    .slice(0, 120);
  const long = Number(marker(user, 'long') ?? 0);
  let text = `This is the CSP Safeguards demo model, not a real language model. You wrote: "${quoted}".`;
  if (long > 0) {
    const words: string[] = [];
    for (let i = 0; i < long; i++)
      words.push(['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'][i % 6]!);
    text += ` ${words.join(' ')}.`;
  }
  if (marker(user, 'harmful-output') !== undefined) text += ` ${HARMFUL_TAIL}`;
  return text;
}

/** Splits a reply into token-like pieces (a word and its leading space). */
export function tokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

const estimateTokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

function errorBody(status: number) {
  const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
  return { type: 'error', error: { type, message: `demo upstream returned ${status}` } };
}

async function handle(req: IncomingMessage, res: ServerResponse, count: () => void): Promise<void> {
  if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
    sendJson(res, 404, {
      type: 'error',
      error: { type: 'not_found_error', message: 'demo upstream serves POST /v1/messages' },
    });
    return;
  }
  count();
  let body: DemoBody;
  try {
    body = JSON.parse((await readBody(req, 8 * 1024 * 1024)).toString('utf8')) as DemoBody;
  } catch {
    sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'invalid JSON' } });
    return;
  }
  const { all: user, last } = lastUserText(body);
  const status = Number(marker(user, 'status') ?? 0);
  if (status >= 400) {
    sendJson(res, status, errorBody(status), { 'request-id': `demo_${randomUUID()}` });
    return;
  }
  const model = typeof body.model === 'string' ? body.model : 'demo-model';
  const reply = demoReply(user, last);
  const id = `msg_demo_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const usage = {
    input_tokens: estimateTokens(JSON.stringify(body.messages ?? '')),
    output_tokens: estimateTokens(reply),
  };
  if (body.stream !== true) {
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: reply }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    });
    return;
  }
  const delay = Number(marker(user, 'delay') ?? 0);
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const send = (event: string, data: unknown) => {
    if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  send('message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
    },
  });
  send('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  });
  send('ping', { type: 'ping' });
  for (const piece of tokens(reply)) {
    if (closed) return;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    send('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: piece },
    });
  }
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  send('message_stop', { type: 'message_stop' });
  res.end();
}

/** Starts the demo upstream on 127.0.0.1 (`port` 0 picks a free port). */
export async function startDemoUpstream(options: { port?: number } = {}): Promise<DemoUpstream> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    handle(req, res, () => {
      n++;
    }).catch(() => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500));
      else res.destroy();
    });
  });
  const url = await listen(server, options.port ?? 0);
  return { url, received: () => n, close: () => close(server) };
}
