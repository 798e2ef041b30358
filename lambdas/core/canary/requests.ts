/**
 * The routes the canary probes and the HTTP request of one probe on one route, built the way an unmodified
 * client would send it (Anthropic SDK on `/v1/messages`, Bedrock Runtime with a Bedrock API key on
 * `/model/{modelId}/invoke[-with-response-stream]`). Pure.
 */
import type { Probe } from './probes';

/**
 * Canary route: the `Route` dimension of `EnforcementLive`. The Messages API is probed with and without
 * `stream: true` (one API route, two code paths); Bedrock has a route per mode.
 */
export type CanaryRoute = 'messages' | 'messages-stream' | 'bedrock.invoke' | 'bedrock.invoke-stream';

/** Every route, in the order results are reported. */
export const CANARY_ROUTES: readonly CanaryRoute[] = [
  'messages',
  'messages-stream',
  'bedrock.invoke',
  'bedrock.invoke-stream',
];

/** How a route's response is framed. */
export type ResponseFraming = 'json' | 'sse' | 'eventstream';

/** One HTTP request (no credential in anything but `headers`). */
export interface ProbeRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly framing: ResponseFraming;
}

/** Where and as whom the probes are sent. */
export interface ProbeTarget {
  /** The API's base URL (the stage URL, or the local gateway's). */
  readonly baseUrl: string;
  /** The canary tenant's API key. */
  readonly apiKey: string;
  /** The model named in the body (`/v1/messages`) and in the path (Bedrock routes). */
  readonly model: string;
}

/** `base` + `path`, keeping the stage prefix of an API Gateway URL (`…/prod/` + `v1/messages`). */
export function joinUrl(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).toString();
}

/** The request of `probe` on `route`. */
export function buildProbeRequest(route: CanaryRoute, probe: Probe, target: ProbeTarget): ProbeRequest {
  const messages = [{ role: 'user', content: probe.prompt }];
  switch (route) {
    case 'messages':
    case 'messages-stream': {
      const stream = route === 'messages-stream';
      return {
        url: joinUrl(target.baseUrl, 'v1/messages'),
        headers: {
          'content-type': 'application/json',
          accept: stream ? 'text/event-stream' : 'application/json',
          'anthropic-version': '2023-06-01',
          'x-api-key': target.apiKey,
        },
        body: JSON.stringify({
          model: target.model,
          max_tokens: probe.maxTokens,
          messages,
          ...(stream ? { stream: true } : {}),
        }),
        framing: stream ? 'sse' : 'json',
      };
    }
    case 'bedrock.invoke':
    case 'bedrock.invoke-stream': {
      const stream = route === 'bedrock.invoke-stream';
      const model = encodeURIComponent(target.model);
      return {
        url: joinUrl(target.baseUrl, `model/${model}/${stream ? 'invoke-with-response-stream' : 'invoke'}`),
        headers: {
          'content-type': 'application/json',
          accept: stream ? 'application/vnd.amazon.eventstream' : 'application/json',
          // Bedrock API keys travel as a bearer token.
          authorization: `Bearer ${target.apiKey}`,
        },
        body: JSON.stringify({
          anthropic_version: 'bedrock-2023-05-31',
          max_tokens: probe.maxTokens,
          messages,
        }),
        framing: stream ? 'eventstream' : 'json',
      };
    }
  }
}
