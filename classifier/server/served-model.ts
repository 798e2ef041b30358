/**
 * The model a tier-2 classifier server serves, behind one small interface so the server does not care
 * which model it is. The loader looks in the model directory (SageMaker unpacks `model.tar.gz` into
 * `/opt/ml/model`) and picks the adapter for the artifact it finds there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, type ModelArtifact } from '../../lambdas/core/classifier';
import { decisionScore } from '../../lambdas/core/engine/scoring';
import { normalizeSegment } from '../../lambdas/core/normalize/normalize';
import type { Category, CategoryScores } from '../../lambdas/core/types';
import { loadTier2, TIER2_ARTIFACT, type Tier2Model } from '../model/tier2';

/** One thing to classify: a request, or a completion judged in the context of its request. */
export interface Exchange {
  /** The request text (for an input check: the text to classify). */
  readonly prompt: string;
  /** Model output to judge against `prompt` (output checks only). */
  readonly completion?: string;
}

/** A loaded model as the server sees it. */
export interface ServedModel {
  /** Version of the artifact (content hash), reported in every answer. */
  readonly version: string;
  /** Kind of model, for logs and the conformance report. */
  readonly kind: string;
  /**
   * Scores per category in [0, 1] with the operating point at 0.5 (docs/classifier-contract.md).
   * Synchronous or not: a GPU model may batch.
   */
  score(exchange: Exchange): CategoryScores | Promise<CategoryScores>;
}

/** File name of the tier-1 linear artifact inside a model directory. */
export const LINEAR_ARTIFACT = 'model.json';

/** Where the repo's committed tier-1 artifact lives (the local reference classifier's model directory). */
export const REPO_MODEL_DIR = join(__dirname, '..', '..', 'lambdas', 'core', 'classifier');

/**
 * Serves the tier-1 linear model: each text is scored over its normalized views (max per category) and
 * each probability mapped with the model's own recommended threshold placed at 0.5 — the engine's
 * decision-score mapping. An exchange is scored as the request followed by the completion: the model
 * reads them as one text, windows straddling the boundary see both.
 */
export function linearServedModel(artifact?: ModelArtifact): ServedModel {
  const model = loadModel(artifact);
  const scoreText = (text: string): CategoryScores => {
    const best: Record<string, number> = {};
    for (const view of normalizeSegment(text, 0).views) {
      for (const [cat, p] of Object.entries(model.score(view.text))) {
        if (p === undefined) continue;
        const s = decisionScore(p, model.thresholds[cat as Category] ?? 0.5);
        if (s > (best[cat] ?? -1)) best[cat] = Math.round(s * 10_000) / 10_000;
      }
    }
    return best;
  };
  return {
    version: model.version,
    kind: 'linear (tier-1 model)',
    score: (x) => scoreText(x.completion === undefined ? x.prompt : `${x.prompt}\n\n${x.completion}`),
  };
}

/** Serves the tier-2 model (classifier/model): contract scores, exchanges read as one text. */
export function tier2ServedModel(model: Tier2Model): ServedModel {
  return {
    version: model.version,
    kind: 'tier-2 (GloVe-pooled perceptron stacked on an n-gram model)',
    score: (x) => model.contractScores(x),
  };
}

/** Thrown when the model directory holds nothing this server can serve. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/**
 * Loads the model found in `dir`: `tier2.json` (`csp-tier2-v1`, classifier/model) when present, else
 * `model.json` (`csp-linear-v1`, the tier-1 artifact). Fails with the
 * path and the reason, so a bad `model.tar.gz` shows up in the endpoint's logs at start, not as 500s.
 */
export function loadServedModel(dir: string): ServedModel {
  const tier2 = join(dir, TIER2_ARTIFACT);
  if (existsSync(tier2)) {
    try {
      return tier2ServedModel(loadTier2(dir));
    } catch (e) {
      throw new ModelLoadError((e as Error).message);
    }
  }
  const linear = join(dir, LINEAR_ARTIFACT);
  if (existsSync(linear)) {
    let artifact: ModelArtifact;
    try {
      artifact = JSON.parse(readFileSync(linear, 'utf8')) as ModelArtifact;
    } catch (e) {
      throw new ModelLoadError(`${linear}: not JSON (${(e as Error).message})`);
    }
    try {
      return linearServedModel(artifact);
    } catch (e) {
      throw new ModelLoadError(`${linear}: ${(e as Error).message}`);
    }
  }
  throw new ModelLoadError(`${dir}: no model artifact (expected ${LINEAR_ARTIFACT})`);
}
