/**
 * The canary's pure core: probe definitions and expectations (config/canary/probes.json), the request of a probe
 * on each route, reading the response, and the evaluation into `EnforcementLive` per route.
 */
import probesDocument from '../../../config/canary/probes.json';
import { compileProbes, type ProbeSet } from './probes';

export * from './evaluate';
export * from './probes';
export * from './requests';
export * from './responses';

/** The probes shipped in config/canary/probes.json, validated. */
export function defaultProbes(): ProbeSet {
  return compileProbes(probesDocument, 'config/canary/probes.json');
}
