/**
 * Where a stack may send prompts for processing, computed from its synthesized IAM policies: every region in
 * which a principal of the stack may invoke a Bedrock model or inference profile or a SageMaker endpoint (the
 * upstream model and the tier-2 classifier), plus the stack's own region (the Lambda functions). An HTTPS
 * upstream is outside IAM and is listed by its host. Pure function of the template.
 */
import * as z from 'zod';
import { PROXY_ENVIRONMENT } from '../../lambdas/shared/environment';
import { identityDocuments, statementsOf } from './access';
import { type CfnTemplateJson, flatten, isObject, OWN_REGION_PLACEHOLDER, prop } from './template';

/** One place prompts may be processed. */
export interface PromptProcessor {
  /** A region code, or the host of an HTTPS upstream. */
  readonly region: string;
  /** What processes them there: `bedrock foundation-model/<id>`, `sagemaker endpoint/<name>`, `lambda`, `https`. */
  readonly via: string;
  /** The principal (role) allowed to send them there, or the function for `lambda`/`https`. */
  readonly principal: string;
  /** Whether the grant is conditional (e.g. only through an inference profile). */
  readonly conditional: boolean;
}

/** The prompt-processing section of a stack's report. */
export interface PromptProcessing {
  /** Regions (sorted) that may process prompts; HTTPS upstream hosts are in {@link externalHosts}. */
  readonly regions: readonly string[];
  readonly externalHosts: readonly string[];
  readonly processors: readonly PromptProcessor[];
}

const INVOKE_ACTIONS =
  /^(bedrock:(InvokeModel|InvokeModelWithResponseStream|InvokeModel\*|\*)|sagemaker:(InvokeEndpoint|InvokeEndpointWithResponseStream|InvokeEndpoint\*|\*)|\*)$/i;
const ARN = /^arn:[^:]*:(bedrock|sagemaker):([^:]*):[^:]*:(.+)$/;

/** Builds the prompt-processing section of the stack in `region`. */
export function collectPromptProcessing(template: CfnTemplateJson, region: string): PromptProcessing {
  const processors: PromptProcessor[] = [];
  for (const { principal, document } of identityDocuments(template)) {
    for (const s of statementsOf(document)) {
      if (s.effect !== 'Allow' || s.notAction || !s.actions.some((a) => INVOKE_ACTIONS.test(a))) continue;
      for (const resource of s.resources) {
        const text = flatten(resource) ?? '';
        const m = ARN.exec(text);
        if (!m) {
          if (text === '*')
            processors.push({ region: '*', via: 'any model', principal, conditional: s.conditional });
          continue;
        }
        const arnRegion = m[2] === OWN_REGION_PLACEHOLDER || m[2] === '' ? region : (m[2] ?? region);
        processors.push({ region: arnRegion, via: `${m[1]} ${m[3]}`, principal, conditional: s.conditional });
      }
    }
  }
  const externalHosts: string[] = [];
  for (const [id, res] of Object.entries(template.Resources)) {
    if (res.Type !== 'AWS::Lambda::Function') continue;
    const env = prop(prop(res.Properties ?? null, 'Environment') ?? null, 'Variables');
    if (!isObject(env)) continue;
    processors.push({ region, via: 'lambda', principal: `function:${id}`, conditional: false });
    const upstream = upstreamOf(env[PROXY_ENVIRONMENT.upstream.name]);
    if (upstream?.kind === 'https') {
      const host = safeHost(upstream.baseUrl);
      externalHosts.push(host);
      processors.push({ region: host, via: 'https', principal: `function:${id}`, conditional: false });
    }
  }
  const unique = new Map(processors.map((p) => [`${p.region}\u0000${p.via}\u0000${p.principal}`, p]));
  return {
    regions: [...new Set([...unique.values()].filter((p) => p.via !== 'https').map((p) => p.region))].sort(),
    externalHosts: [...new Set(externalHosts)].sort(),
    processors: [...unique.values()].sort(
      (a, b) => a.region.localeCompare(b.region) || a.via.localeCompare(b.via),
    ),
  };
}

/** The proxy's upstream as the contract writes it (lambdas/shared/environment.ts), or undefined. */
const upstreamOf = (value: unknown) => {
  if (typeof value !== 'string') return undefined;
  const parsed = z.safeDecode(PROXY_ENVIRONMENT.upstream.codec, value);
  return parsed.success ? parsed.data : undefined;
};

const safeHost = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};
