/**
 * The compliance report's edge section (docs/edge.md), computed from the synthesized templates of the whole
 * assembly: what the global edge sees, where its logs land, and — per residency zone — the regions its
 * requests can reach. The routing table comes from the edge functions' `csp:edge-routing` metadata (the same
 * object bundled into them); each origin's region is proven by the regional template that declares the
 * origin's API Gateway custom domain.
 */
import { checkContentFreeEdge } from './edge-rules';
import { asArray, type CfnTemplateJson, isObject, type Json, prop } from './template';

/** A stack's template with where it is deployed. */
export interface TemplateInRegion {
  readonly stackName: string;
  readonly region: string;
  readonly zone: string;
  readonly template: CfnTemplateJson;
}

/** One routing entry and the evidence for where it lands. */
export interface EdgeRouteProof {
  /** The home region named by the tenant's verified claim. */
  readonly homeRegion: string;
  /** The zone the edge settings give for it. */
  readonly zone: string;
  readonly originDomain: string;
  /** The stack whose template declares `originDomain` as an API Gateway custom domain, if any. */
  readonly declaredBy?: string;
  /** That stack's region and zone. */
  readonly originRegion?: string;
  readonly originZone?: string;
  /** True when the origin is declared in the home region's own stack (hence in the tenant's zone). */
  readonly proven: boolean;
}

/** The edge section. */
export interface EdgeReport {
  readonly stackName: string;
  readonly region: string;
  readonly sees: readonly string[];
  readonly neverSees: readonly string[];
  readonly functions: readonly { readonly eventType: string; readonly includeBody: boolean }[];
  readonly logs: readonly string[];
  readonly waf: {
    readonly rules: readonly string[];
    readonly sampledRequests: boolean;
    readonly logging: boolean;
  };
  readonly routes: readonly EdgeRouteProof[];
  /** Per tenant zone, every region its requests may reach through the edge. */
  readonly zones: readonly {
    readonly zone: string;
    readonly reachableRegions: readonly string[];
    readonly ok: boolean;
  }[];
  /** Content-free rule violations and unproven routes (empty when the edge is compliant). */
  readonly findings: readonly string[];
}

const ROUTING_METADATA = 'csp:edge-routing';

function routingOf(
  template: CfnTemplateJson,
): Record<string, { domainName: string; zone: string }> | undefined {
  for (const r of Object.values(template.Resources)) {
    const meta = r.Metadata?.[ROUTING_METADATA];
    if (r.Type === 'AWS::Lambda::Function' && isObject(meta)) {
      const out: Record<string, { domainName: string; zone: string }> = {};
      for (const [region, v] of Object.entries(meta)) {
        out[region] = {
          domainName: String(prop(v, 'domainName') ?? ''),
          zone: String(prop(v, 'zone') ?? ''),
        };
      }
      return out;
    }
  }
  return undefined;
}

function declaredDomains(t: TemplateInRegion): string[] {
  return Object.values(t.template.Resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::DomainName')
    .map((r) => prop(r.Properties as Json, 'DomainName'))
    .filter((d): d is string => typeof d === 'string');
}

/** The edge report of an assembly, or `undefined` when it has no edge stack (no distribution with routing). */
export function buildEdgeReport(stacks: readonly TemplateInRegion[]): EdgeReport | undefined {
  const edge = stacks.find((s) => routingOf(s.template) !== undefined);
  if (edge === undefined) return undefined;
  const routing = routingOf(edge.template) ?? {};
  const findings: string[] = [];

  const functions: { eventType: string; includeBody: boolean }[] = [];
  let rules: string[] = [];
  let sampled = false;
  let wafLogging = false;
  for (const [id, r] of Object.entries(edge.template.Resources)) {
    for (const v of checkContentFreeEdge(r)) findings.push(`${id}.${v.path}: ${v.message}`);
    if (r.Type === 'AWS::CloudFront::Distribution') {
      const behavior = prop(prop(r.Properties as Json, 'DistributionConfig'), 'DefaultCacheBehavior');
      for (const a of asArray(prop(behavior, 'LambdaFunctionAssociations'))) {
        functions.push({
          eventType: String(prop(a, 'EventType')),
          includeBody: prop(a, 'IncludeBody') === true,
        });
      }
    }
    if (r.Type === 'AWS::WAFv2::WebACL') {
      rules = asArray(prop(r.Properties as Json, 'Rules')).map((x) => String(prop(x, 'Name')));
      sampled = JSON.stringify(r.Properties).includes('"SampledRequestsEnabled":true');
    }
    if (r.Type === 'AWS::WAFv2::LoggingConfiguration') wafLogging = true;
  }

  const routes: EdgeRouteProof[] = Object.entries(routing)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([homeRegion, o]) => {
      const owner = stacks.find((s) => s !== edge && declaredDomains(s).includes(o.domainName));
      const proven = owner !== undefined && owner.region === homeRegion && owner.zone === o.zone;
      if (!proven) {
        findings.push(
          owner === undefined
            ? `origin ${o.domainName} for ${homeRegion} is not declared by any regional stack of this assembly`
            : `origin ${o.domainName} for ${homeRegion} (${o.zone}) is declared in ${owner.stackName} (${owner.zone}/${owner.region})`,
        );
      }
      return {
        homeRegion,
        zone: o.zone,
        originDomain: o.domainName,
        ...(owner ? { declaredBy: owner.stackName, originRegion: owner.region, originZone: owner.zone } : {}),
        proven,
      };
    });

  const zoneNames = [...new Set(routes.map((r) => r.zone))].sort();
  const zones = zoneNames.map((zone) => {
    const mine = routes.filter((r) => r.zone === zone);
    const reachable = [...new Set(mine.map((r) => r.originRegion ?? `unknown(${r.originDomain})`))].sort();
    return { zone, reachableRegions: reachable, ok: mine.every((r) => r.proven && r.originZone === zone) };
  });

  return {
    stackName: edge.stackName,
    region: edge.region,
    sees: [
      'method, path and query string',
      'request header names and sizes; the values of content-length, x-api-key / authorization (to verify the home-region claim), host',
      'client IP address (WAF rate and reputation rules)',
    ],
    neverSees: [
      'request bodies (every association has includeBody: false)',
      'responses (no response triggers)',
    ],
    functions,
    logs: [
      'Lambda@Edge: CloudWatch Logs in the region of each edge location that ran the function (/aws/lambda/us-east-1.<function>), one line per refusal: a pseudonymous request id (edge_<CloudFront request id>) and a fixed reason code',
      wafLogging ? 'WAF: logging configured (finding)' : 'WAF: no logging, metrics only',
      'CloudFront: no access logs, no real-time logs',
    ],
    waf: { rules, sampledRequests: sampled, logging: wafLogging },
    routes,
    zones,
    findings,
  };
}

/** Markdown rendering of {@link buildEdgeReport}. */
export function renderEdgeMarkdown(r: EdgeReport): string {
  const lines = [
    `# Edge: ${r.stackName} (${r.region})`,
    '',
    '## What the edge sees',
    ...r.sees.map((s) => `- ${s}`),
    '',
    'Never:',
    ...r.neverSees.map((s) => `- ${s}`),
    '',
    '## Functions',
    ...r.functions.map((f) => `- ${f.eventType}: includeBody ${f.includeBody}`),
    '',
    '## Where its logs land',
    ...r.logs.map((s) => `- ${s}`),
    '',
    `WAF rules: ${r.waf.rules.join(', ')}; sampled requests ${r.waf.sampledRequests ? 'ON' : 'off'}.`,
    '',
    '## Routing by home region (proof from the templates)',
    '',
    '| home region | zone | origin | declared by | origin region/zone | proven |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.routes.map(
      (x) =>
        `| ${x.homeRegion} | ${x.zone} | ${x.originDomain} | ${x.declaredBy ?? '—'} | ${x.originRegion ?? '?'}/${x.originZone ?? '?'} | ${x.proven ? 'yes' : 'NO'} |`,
    ),
    '',
    'The origin-request function sends a request only to the origin of the region named in its verified',
    'home-region claim (no fallback, no other origin), so a tenant of a zone reaches only:',
    '',
    ...r.zones.map(
      (z) => `- ${z.zone}: ${z.reachableRegions.join(', ')} ${z.ok ? '(all in zone)' : '(NOT PROVEN)'}`,
    ),
    '',
    `## Findings: ${r.findings.length}`,
    ...r.findings.map((f) => `- ${f}`),
    '',
  ];
  return lines.join('\n');
}
