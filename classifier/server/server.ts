/**
 * The tier-2 classifier server: the SageMaker hosting contract (docs/classifier-contract.md).
 *
 * - `GET /ping` → 200 once the model is loaded (the model is loaded before the server listens).
 * - `POST /invocations` with `application/json` `{"inputs": "<text>", "prompt"?: "<request>"}` →
 *   `{"scores": {...}, "model": "<version>"}`. With `prompt`, `inputs` is model output judged in the
 *   context of that request (an exchange).
 *
 * The same code runs in the GPU container (`classifier/server/main.ts`) and, on CPU, as the local
 * reference classifier (`local/reference-classifier.ts`). Bad input gets a 4xx naming the field and
 * the reason; the server stays healthy.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as z from 'zod';
import type { ServedModel } from './served-model';

/** Limits of one invocation. */
export interface InvocationLimits {
  /** Largest request body accepted, bytes. @default 1 MiB */
  readonly maxBodyBytes: number;
  /** Longest `inputs` accepted, characters (UTF-16 code units). @default 65 536 */
  readonly maxInputChars: number;
  /** Longest `prompt` accepted, characters. @default 65 536 */
  readonly maxPromptChars: number;
}

export const DEFAULT_LIMITS: InvocationLimits = {
  maxBodyBytes: 1024 * 1024,
  maxInputChars: 65_536,
  maxPromptChars: 65_536,
};

/** Faults a test can inject (local use only: nothing in the container sets them). */
export interface ClassifierFaults {
  /** Added delay before answering, ms. */
  readonly delayMs?: number;
  /** Answer 500 to every invocation. */
  readonly fail?: boolean;
  /** Answer 200 with a body that is not the contract. */
  readonly garbage?: boolean;
}

export interface ClassifierServerOptions {
  readonly model: ServedModel;
  /** @default {@link DEFAULT_LIMITS} */
  readonly limits?: Partial<InvocationLimits>;
  /**
   * Also answer the SageMaker *runtime* path `POST /endpoints/{name}/invocations`, so the real
   * `@aws-sdk/client-sagemaker-runtime` can call this server directly (local runtime only).
   * @default false
   */
  readonly runtimePath?: boolean;
  /** Current injected faults (local fault suite). @default none */
  readonly faults?: () => ClassifierFaults;
  /** Called once per failed invocation (4xx/5xx) with the status and reason; for logs. */
  readonly onError?: (status: number, reason: string) => void;
}

/** Counters of one server. */
export interface ClassifierServerStats {
  invocations: number;
  rejected: number;
  failed: number;
}

export interface ClassifierServer {
  readonly server: Server;
  readonly stats: Readonly<ClassifierServerStats>;
}

const requestSchema = z.looseObject({ inputs: z.string(), prompt: z.string().optional() });

const JSON_TYPE = /^application\/json\s*(;|$)/i;
const RUNTIME_PATH = /^\/endpoints\/[A-Za-z0-9-]{1,63}\/invocations$/;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** True when an `Accept` header admits `application/json` (absent, `*\/*`, `application/*`, …). */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return type === '*/*' || type === 'application/*' || type === 'application/json';
  });
}

/** Reads the body up to `limit` bytes; past it, stops keeping bytes and rejects with a 413. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => reject(new HttpProblem(400, 'body-read', e.message)));
  });
}

const tooLarge = (limit: number) =>
  new HttpProblem(413, 'body-too-large', `request body exceeds ${limit} bytes`, 'body');

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Parses and bounds an invocation body; throws {@link HttpProblem} naming the field at fault. */
export function parseInvocation(raw: Buffer, limits: InvocationLimits): { inputs: string; prompt?: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'invalid-json', 'body is not JSON: expected {"inputs": string}', 'body');
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : 'body';
    throw new HttpProblem(
      400,
      'invalid-field',
      `${field}: ${issue?.message ?? 'invalid'}; expected {"inputs": string, "prompt"?: string}`,
      field,
    );
  }
  const { inputs, prompt } = parsed.data;
  if (inputs.length > limits.maxInputChars) {
    throw new HttpProblem(
      413,
      'too-long',
      `inputs: ${inputs.length} characters, limit ${limits.maxInputChars}`,
      'inputs',
    );
  }
  if (prompt !== undefined && prompt.length > limits.maxPromptChars) {
    throw new HttpProblem(
      413,
      'too-long',
      `prompt: ${prompt.length} characters, limit ${limits.maxPromptChars}`,
      'prompt',
    );
  }
  return prompt === undefined ? { inputs } : { inputs, prompt };
}

/** Builds the server (not listening yet). */
export function createClassifierServer(options: ClassifierServerOptions): ClassifierServer {
  const limits: InvocationLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const stats: ClassifierServerStats = { invocations: 0, rejected: 0, failed: 0 };
  const { model } = options;

  const invoke = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.invocations++;
    // No content type is read as JSON (InvokeEndpoint's ContentType is optional); any other type is refused.
    const contentType = req.headers['content-type'] ?? '';
    if (contentType !== '' && !JSON_TYPE.test(contentType)) {
      req.resume();
      throw new HttpProblem(
        415,
        'unsupported-content-type',
        `content-type '${contentType.slice(0, 64)}' is not supported; send application/json`,
        'content-type',
      );
    }
    if (!acceptsJson(req.headers.accept)) {
      req.resume();
      throw new HttpProblem(406, 'not-acceptable', 'this server answers application/json only', 'accept');
    }
    const raw = await readBody(req, limits.maxBodyBytes);
    const faults = options.faults?.() ?? {};
    if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
    if (faults.fail) throw new HttpProblem(500, 'injected-failure', 'injected failure');
    if (faults.garbage) return send(res, 200, { label: 'LABEL_1', score: 'high' });
    const { inputs, prompt } = parseInvocation(raw, limits);
    let scores: Awaited<ReturnType<ServedModel['score']>>;
    try {
      scores = await model.score(prompt === undefined ? { prompt: inputs } : { prompt, completion: inputs });
    } catch {
      throw new HttpProblem(500, 'model-error', 'the model failed on this input');
    }
    send(res, 200, { scores, model: model.version });
  };

  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0] ?? '';
    if (path === '/ping') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(res, 405, { message: 'use GET /ping' }, { allow: 'GET, HEAD' });
      }
      return send(res, 200, { status: 'ok', model: model.version });
    }
    const isInvoke = path === '/invocations' || (options.runtimePath === true && RUNTIME_PATH.test(path));
    if (!isInvoke) {
      req.resume();
      return send(res, 404, { message: 'not found: the contract is GET /ping and POST /invocations' });
    }
    if (req.method !== 'POST') {
      req.resume();
      return send(res, 405, { message: 'use POST /invocations' }, { allow: 'POST' });
    }
    invoke(req, res).catch((e: unknown) => {
      const problem =
        e instanceof HttpProblem ? e : new HttpProblem(500, 'internal', 'internal error while classifying');
      if (problem.status >= 500) stats.failed++;
      else stats.rejected++;
      options.onError?.(problem.status, problem.reason);
      // The rest of a refused body is drained (not kept), so the client reads this answer instead of a
      // reset; `requestTimeout` bounds a body that never ends.
      req.resume();
      send(res, problem.status, {
        message: problem.message,
        reason: problem.reason,
        ...(problem.field ? { field: problem.field } : {}),
      });
    });
  });
  // A slow or endless body must not hold a connection for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return { server, stats };
}
