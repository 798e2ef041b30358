import defaultDoc from '../../../../../config/policies/default.json';
import type { LinearClassifier } from '../../../../../lambdas/core/classifier';
import type { Tier0 } from '../../../../../lambdas/core/detectors';
import { SafeguardsEngine } from '../../../../../lambdas/core/engine/evaluate';
import type { Tier2Classifier, Tier2Context } from '../../../../../lambdas/core/engine/tier2';
import { compilePolicy } from '../../../../../lambdas/core/policy/load';
import { parseRequest } from '../../../../../lambdas/core/request/parse';
import type { CategoryScores, Finding } from '../../../../../lambdas/core/types';

/** The default policy's cascade band (decision-score space), as `npm run train:tier2` chose it. */
export const DEFAULT_BAND = defaultDoc.tier2.band as [number, number];

/**
 * A tier-1 score halfway between the default band's low edge and tier 1's threshold (0.5 when the
 * model recommends none, where score and decision score coincide): tier 1 alone allows it, the cascade
 * escalates it. Derived from the band so the tests follow a retrained band.
 */
export const UNCERTAIN_SCORE = Math.round(((DEFAULT_BAND[0] + 0.5) / 2) * 10_000) / 10_000;

/** Tier 1 stand-in: keyword → fixed score, so tests control exactly where a score falls. */
export const fakeClassifier = (overrides: Partial<LinearClassifier> = {}): LinearClassifier => ({
  version: 'fake-model',
  thresholds: {},
  score(text: string): CategoryScores {
    const s: CategoryScores = { harmful: 0.01, jailbreak: 0.01, injection: 0.01 };
    if (text.includes('detonator')) s.harmful = 0.97;
    // Any "borderline" text is an uncertain harmful score, except the injection variant below.
    if (text.includes('borderline') && !text.includes('borderline-inject')) s.harmful = UNCERTAIN_SCORE;
    if (text.includes('borderline-inject')) s.injection = UNCERTAIN_SCORE;
    return s;
  },
  ...overrides,
});

/** Tier 0 stand-in: reports the email address `alice@example.com` as PII with its span. */
export const fakeTier0 = (run?: Tier0['run']): Tier0 => ({
  run:
    run ??
    ((segments) => {
      const out: Finding[] = [];
      segments.forEach((s, i) => {
        const at = s.text.indexOf('alice@example.com');
        if (at >= 0) {
          out.push({
            detector: 'tier0.pii.email',
            category: 'pii',
            score: 0.99,
            segment: i,
            label: 'email',
            span: [at, at + 17],
          });
        }
      });
      return out;
    }),
});

export type Tier2Behaviour = 'harmful' | 'benign' | 'slow' | 'error' | 'garbage' | 'hang';

/** Tier 2 stand-in that can answer, be slow, fail or return garbage; counts its calls. */
export class FakeTier2 implements Tier2Classifier {
  calls = 0;
  /** What each call was sent: the text and, for an exchange, the request context. */
  readonly sent: Array<{ text: string; context?: Tier2Context }> = [];
  constructor(public behaviour: Tier2Behaviour) {}
  async classify(text: string, signal: AbortSignal, context?: Tier2Context): Promise<unknown> {
    this.calls++;
    this.sent.push(context ? { text, context } : { text });
    switch (this.behaviour) {
      case 'harmful':
        return { scores: { harmful: 0.93, jailbreak: 0.02, injection: 0.9 } };
      case 'benign':
        return { scores: { harmful: 0.03, jailbreak: 0.02, injection: 0.02 } };
      case 'garbage':
        return { scores: { harmful: 'very' }, extra: [1, 2, 3] };
      case 'error':
        throw Object.assign(new Error('upstream 503'), { name: 'ServiceUnavailable' });
      case 'slow':
        await new Promise((r) => setTimeout(r, 200));
        return { scores: { harmful: 0.1 } };
      case 'hang':
        return new Promise((_r, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
    }
  }
}

export function policyWith(mutate: (d: Record<string, any>) => void = () => {}) {
  const doc = JSON.parse(JSON.stringify(defaultDoc));
  doc.tier2.deadlineMs = 30;
  mutate(doc);
  return compilePolicy(doc, 'test-policy');
}

export function engineWith(opts: {
  tier2?: Tier2Classifier;
  policy?: ReturnType<typeof policyWith>;
  classifier?: LinearClassifier;
  tier0?: Tier0;
}) {
  return new SafeguardsEngine({
    policy: opts.policy ?? policyWith(),
    tier0: opts.tier0 ?? fakeTier0(),
    classifier: opts.classifier ?? fakeClassifier(),
    ...(opts.tier2 ? { tier2: opts.tier2 } : {}),
  });
}

export function request(text: string, system?: string) {
  const parsed = parseRequest(
    JSON.stringify({
      model: 'm',
      max_tokens: 10,
      ...(system ? { system } : {}),
      messages: [{ role: 'user', content: text }],
    }),
    { format: 'messages' },
  );
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.request;
}
