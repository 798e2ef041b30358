/**
 * The safeguards engine's public surface. Pure and AWS-free: the Lambda handlers, the local
 * gateway, the evaluation CLI and the benchmarks all build their engine here.
 */
import defaultPolicyDocument from '../../config/policies/default.json';
import { type LinearClassifier, loadModel } from './classifier';
import { createTier0, type Tier0 } from './detectors';
import { SafeguardsEngine } from './engine/evaluate';
import type { Tier2Classifier } from './engine/tier2';
import { compilePolicy, type Policy } from './policy/load';

export type { DecisionRecord, DecisionSink, Route } from './decision/record';
export { DecisionRecorder } from './decision/record';
export type { InputVerdict, Verdict } from './engine/evaluate';
export { SafeguardsEngine } from './engine/evaluate';
export { OutputMonitor } from './engine/output';
export type { Tier2Classifier } from './engine/tier2';
export { compilePolicy, type Policy, PolicyError, parsePolicy } from './policy/load';
export { parseRequest } from './request/parse';

/** The embedded default policy (config/policies/default.json), validated. */
export function defaultPolicy(): Policy {
  return compilePolicy(defaultPolicyDocument, 'config/policies/default.json');
}

export interface CreateEngineOptions {
  /** @default the embedded default policy */
  readonly policy?: Policy;
  /** @default no tier 2: escalations are recorded as skipped */
  readonly tier2?: Tier2Classifier;
  /** @default the committed tier-1 artifact */
  readonly classifier?: LinearClassifier;
  /** @default the default tier-0 detectors and blocklist */
  readonly tier0?: Tier0;
  readonly now?: () => number;
}

/** Builds an engine; heavy parts (model, automaton) are built once per call: build once at init. */
export function createEngine(options: CreateEngineOptions = {}): SafeguardsEngine {
  return new SafeguardsEngine({
    policy: options.policy ?? defaultPolicy(),
    tier0: options.tier0 ?? createTier0(),
    classifier: options.classifier ?? loadModel(),
    ...(options.tier2 ? { tier2: options.tier2 } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
