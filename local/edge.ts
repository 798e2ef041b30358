/**
 * The local global edge (`npm start -- --edge`): the same viewer-request and origin-request handler code as the
 * Lambda@Edge functions, in front of the local gateway, so the edge path can be tried and tested end to end with
 * the real SDK clients. Like CloudFront with `includeBody: false`, the handlers see the request line and headers
 * only; the body is streamed to the chosen origin afterwards, untouched.
 */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
import type { EdgeSettings } from '../lambdas/core/edge/checks';
import { publicKeyX } from '../lambdas/core/edge/claim-key';
import { makeOriginRequestHandler } from '../lambdas/edge/origin-request';
import { makeViewerRequestHandler } from '../lambdas/edge/viewer-request';
import { close, listen } from './http-util';

/** Local key pairs of the edge: claim signing (operator side) and origin signing (edge side). */
export interface LocalEdgeKeys {
  readonly claim: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  readonly origin: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
}

/** Fresh key pairs for one local run (nothing is written to disk: keys minted with them last one run). */
export function localEdgeKeys(): LocalEdgeKeys {
  return { claim: generateKeyPairSync('ed25519'), origin: generateKeyPairSync('ed25519') };
}

export interface LocalEdgeOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  readonly keys: LocalEdgeKeys;
  /** Home region → origin base URL (locally the gateway), with its zone. */
  readonly origins: Readonly<Record<string, { readonly url: string; readonly zone: string }>>;
  /** @default 6 MiB */
  readonly maxBodyBytes?: number;
  /** @default 16 KiB */
  readonly maxHeaderBytes?: number;
  /** Refusal log lines (request id + reason). @default none */
  readonly log?: (line: { requestId: string; outcome: string }) => void;
}

export interface LocalEdge {
  readonly url: string;
  readonly server: Server;
  readonly settings: EdgeSettings;
  close(): Promise<void>;
}

function cloudFrontHeaders(headers: IncomingHttpHeaders): CloudFrontRequest['headers'] {
  const out: CloudFrontRequest['headers'] = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[name.toLowerCase()] = values.map((v) => ({ key: name, value: v }));
  }
  return out;
}

const isGenerated = (r: unknown): r is CloudFrontResultResponse =>
  typeof r === 'object' && r !== null && 'status' in r && !('uri' in r);

/** Starts the local edge on 127.0.0.1. */
export async function startLocalEdge(opts: LocalEdgeOptions): Promise<LocalEdge> {
  const byDomain = new Map<string, string>();
  const origins: Record<string, { domainName: string; zone: string }> = {};
  for (const [region, o] of Object.entries(opts.origins)) {
    const domainName = `${region}.origin.local`;
    origins[region] = { domainName, zone: o.zone };
    byDomain.set(domainName, o.url);
  }
  const settings: EdgeSettings = {
    origins,
    claimPublicKeys: [publicKeyX(opts.keys.claim.publicKey)],
    maxBodyBytes: opts.maxBodyBytes ?? 6 * 1024 * 1024,
    maxHeaderBytes: opts.maxHeaderBytes ?? 16_384,
    originSigningSecretName: 'local',
  };
  const log = opts.log ?? (() => undefined);
  const viewer = makeViewerRequestHandler(settings, log);
  const origin = makeOriginRequestHandler(settings, {
    originKey: async () => opts.keys.origin.privateKey,
    now: Date.now,
    log,
  });

  // Keep-alive to the origins, as CloudFront keeps connections to its origins open.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://edge.local');
    const event = (
      eventType: 'viewer-request' | 'origin-request',
      request: CloudFrontRequest,
    ): CloudFrontRequestEvent => ({
      Records: [
        {
          cf: {
            config: {
              distributionDomainName: 'edge.local',
              distributionId: 'LOCAL',
              eventType,
              requestId: randomUUID().replaceAll('-', ''),
            },
            request,
          },
        },
      ],
    });
    const send = (r: CloudFrontResultResponse) => {
      req.resume();
      const headers: Record<string, string> = {};
      for (const [name, values] of Object.entries(r.headers ?? {})) headers[name] = values[0]?.value ?? '';
      res.writeHead(Number(r.status), headers).end(r.body ?? '');
    };
    void (async () => {
      const initial: CloudFrontRequest = {
        clientIp: req.socket.remoteAddress ?? '127.0.0.1',
        method: req.method ?? 'GET',
        uri: url.pathname,
        querystring: url.search.slice(1),
        headers: cloudFrontHeaders(req.headersDistinct as IncomingHttpHeaders),
      };
      const afterViewer = await viewer(event('viewer-request', initial));
      if (isGenerated(afterViewer)) return send(afterViewer);
      const afterOrigin = await origin(event('origin-request', afterViewer as CloudFrontRequest));
      if (isGenerated(afterOrigin)) return send(afterOrigin);
      const routed = afterOrigin as CloudFrontRequest;
      const base = byDomain.get(routed.origin?.custom?.domainName ?? '');
      if (base === undefined) throw new Error('local edge: the origin-request handler chose no known origin');
      const target = new URL(base);
      const headers: Record<string, string | string[]> = {};
      for (const [name, values] of Object.entries(routed.headers)) headers[name] = values.map((v) => v.value);
      headers['host'] = target.host;
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: routed.method,
          path: `${routed.uri}${routed.querystring ? `?${routed.querystring}` : ''}`,
          headers,
          agent,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'origin unavailable' } }),
        );
      });
      req.pipe(upstream);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'internal error' } }));
    });
  });
  const url = await listen(server, opts.port ?? 0);
  return {
    url,
    server,
    settings,
    close: async () => {
      agent.destroy();
      await close(server);
    },
  };
}
