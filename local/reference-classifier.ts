/**
 * The reference tier-2 classifier server: the SageMaker container contract (`GET /ping`,
 * `POST /invocations`) plus the runtime path the SageMaker runtime client calls
 * (`POST /endpoints/{name}/invocations`), serving the committed tier-1 model. In AWS the real GPU
 * model image plugs in by config (docs/classifier-contract.md); locally this server stands in for it,
 * reached through the real `@aws-sdk/client-sagemaker-runtime`.
 *
 * Request `{"inputs": "<text>"}` → response `{"scores": {"harmful": p, "jailbreak": p, "injection": p}, "model": "<version>"}`.
 * Faults (slow, failing, garbage answers) can be injected for the fault suite.
 */
import { createServer, type Server } from 'node:http';
import { z } from 'zod';
import { type LinearClassifier, loadModel } from '../lambdas/core/classifier';
import { decisionScore } from '../lambdas/core/engine/scoring';
import { normalizeSegment } from '../lambdas/core/normalize/normalize';
import type { Category, CategoryScores } from '../lambdas/core/types';
import { close, listen, readBody, sendJson } from './http-util';

export interface ClassifierFaults {
  /** Added delay before answering, ms. */
  readonly delayMs?: number;
  /** Answer 500 to every invocation. */
  readonly fail?: boolean;
  /** Answer 200 with a body that is not the contract. */
  readonly garbage?: boolean;
}

export interface ReferenceClassifier {
  readonly url: string;
  readonly invocations: () => number;
  setFaults(faults: ClassifierFaults): void;
  close(): Promise<void>;
}

const requestSchema = z.object({ inputs: z.string().max(1_000_000) });

/**
 * Scores a text with the tier-1 model over its normalized views (max per category). The contract's
 * operating point is 0.5 (docs/classifier-contract.md), so each probability is mapped with the model's
 * own recommended threshold placed at 0.5 — the same decision-score mapping the engine uses.
 */
export function scoreText(model: LinearClassifier, text: string): CategoryScores {
  const best: Record<string, number> = {};
  for (const view of normalizeSegment(text, 0).views) {
    for (const [cat, p] of Object.entries(model.score(view.text))) {
      if (p === undefined) continue;
      const s = decisionScore(p, model.thresholds[cat as Category] ?? 0.5);
      if (s > (best[cat] ?? -1)) best[cat] = Math.round(s * 10_000) / 10_000;
    }
  }
  return best;
}

/** Starts the reference classifier on 127.0.0.1 (`port` 0 picks a free port). */
export async function startReferenceClassifier(
  options: { port?: number; faults?: ClassifierFaults } = {},
): Promise<ReferenceClassifier> {
  const model = loadModel();
  let faults: ClassifierFaults = options.faults ?? {};
  let invocations = 0;
  const server: Server = createServer((req, res) => {
    const path = req.url?.split('?')[0] ?? '';
    if (req.method === 'GET' && path === '/ping') {
      res.writeHead(200).end();
      return;
    }
    const isInvoke =
      req.method === 'POST' &&
      (path === '/invocations' || /^\/endpoints\/[A-Za-z0-9-]{1,63}\/invocations$/.test(path));
    if (!isInvoke) {
      sendJson(res, 404, { message: 'not found: the contract is GET /ping and POST /invocations' });
      return;
    }
    invocations++;
    readBody(req, 2 * 1024 * 1024)
      .then(async (raw) => {
        if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
        if (faults.fail) return sendJson(res, 500, { message: 'injected failure' });
        if (faults.garbage) return sendJson(res, 200, { label: 'LABEL_1', score: 'high' });
        let parsed: z.infer<typeof requestSchema>;
        try {
          parsed = requestSchema.parse(JSON.parse(raw.toString('utf8')));
        } catch {
          return sendJson(res, 400, { message: 'expected a JSON body {"inputs": string}' });
        }
        sendJson(res, 200, { scores: scoreText(model, parsed.inputs), model: model.version });
      })
      .catch(() => {
        if (!res.headersSent) sendJson(res, 413, { message: 'body too large' });
      });
  });
  const url = await listen(server, options.port ?? 0);
  return {
    url,
    invocations: () => invocations,
    setFaults: (f) => {
      faults = f;
    },
    close: () => close(server),
  };
}
