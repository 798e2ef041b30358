/**
 * Content-free rules for the global edge stack (docs/edge.md): CloudFront and Lambda@Edge are allowed only in a
 * form that never reads a request body and writes nothing identifying at edge locations. The residency guard
 * runs these on stacks that allow edge compute (`residencyBound: false`); regional stacks still refuse any edge
 * resource (residency-rules.ts).
 */
import { EDGE_MANAGED_RULE_GROUPS_ALLOWED } from './edge-policy';
import { asArray, type CfnResourceJson, type Json, prop } from './template';

/** A content-free violation, in the shape of a residency finding. */
export interface EdgeViolation {
  readonly rule: 'edge-body-access' | 'edge-body-inspection' | 'edge-content-logging';
  readonly path: string;
  readonly value: string;
  readonly message: string;
}

/** Request-triggered events only: response triggers see (and could log) what the model answered. */
const ALLOWED_EVENT_TYPES = new Set(['viewer-request', 'origin-request']);

/** WAF fields that read request content beyond method, URI, query and client address. */
const CONTENT_FIELDS = [
  'Body',
  'JsonBody',
  'Headers',
  'Cookies',
  'HeaderOrder',
  'SingleHeader',
  'JA3Fingerprint',
];

function checkDistribution(props: Json | undefined): EdgeViolation[] {
  const config = prop(props, 'DistributionConfig');
  const out: EdgeViolation[] = [];
  const behaviors: [string, Json | undefined][] = [
    ['DistributionConfig.DefaultCacheBehavior', prop(config, 'DefaultCacheBehavior')],
    ...asArray(prop(config, 'CacheBehaviors')).map((b, i): [string, Json | undefined] => [
      `DistributionConfig.CacheBehaviors.${i}`,
      b,
    ]),
  ];
  for (const [path, behavior] of behaviors) {
    asArray(prop(behavior, 'LambdaFunctionAssociations')).forEach((assoc, i) => {
      const at = `Properties.${path}.LambdaFunctionAssociations.${i}`;
      if (prop(assoc, 'IncludeBody') === true) {
        out.push({
          rule: 'edge-body-access',
          path: `${at}.IncludeBody`,
          value: 'true',
          message: 'Lambda@Edge association reads the request body at edge locations',
        });
      }
      const type = prop(assoc, 'EventType');
      if (typeof type !== 'string' || !ALLOWED_EVENT_TYPES.has(type)) {
        out.push({
          rule: 'edge-body-access',
          path: `${at}.EventType`,
          value: String(type),
          message:
            'only viewer-request and origin-request functions are allowed at the edge (responses carry model output)',
        });
      }
    });
  }
  const logging = prop(config, 'Logging');
  if (logging !== undefined) {
    out.push({
      rule: 'edge-content-logging',
      path: 'Properties.DistributionConfig.Logging',
      value: 'Logging',
      message: 'CloudFront access logs hold client addresses and paths outside every residency zone',
    });
  }
  return out;
}

function checkWebAcl(props: Json | undefined): EdgeViolation[] {
  const out: EdgeViolation[] = [];
  const visit = (value: Json | undefined, path: string): void => {
    if (Array.isArray(value)) {
      for (const [i, v] of (value as readonly Json[]).entries()) visit(v, `${path}.${i}`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value as Record<string, Json>)) {
      if (v === undefined) continue;
      const at = `${path}.${key}`;
      if (key === 'FieldToMatch' && v !== null && typeof v === 'object') {
        for (const field of Object.keys(v as object)) {
          if (CONTENT_FIELDS.includes(field)) {
            out.push({
              rule: 'edge-body-inspection',
              path: `${at}.${field}`,
              value: field,
              message: `WAF rule inspects ${field} at the edge`,
            });
          }
        }
      }
      if (key === 'ManagedRuleGroupStatement') {
        const name = prop(v, 'Name');
        if (typeof name !== 'string' || !EDGE_MANAGED_RULE_GROUPS_ALLOWED.includes(name)) {
          out.push({
            rule: 'edge-body-inspection',
            path: `${at}.Name`,
            value: String(name),
            message:
              'only IP-based managed rule groups are allowed at the edge (others inspect headers or bodies)',
          });
        }
      }
      if (key === 'SampledRequestsEnabled' && v === true) {
        out.push({
          rule: 'edge-content-logging',
          path: at,
          value: 'true',
          message: 'sampled requests keep request headers (credentials) in the WAF console',
        });
      }
      visit(v, at);
    }
  };
  visit(props, 'Properties');
  return out;
}

/** Content-free violations of one resource of an edge stack. */
export function checkContentFreeEdge(resource: CfnResourceJson): EdgeViolation[] {
  const props = resource.Properties as Json | undefined;
  switch (resource.Type) {
    case 'AWS::CloudFront::Distribution':
      return checkDistribution(props);
    case 'AWS::WAFv2::WebACL':
    case 'AWS::WAFv2::RuleGroup':
      return checkWebAcl(props);
    case 'AWS::CloudFront::RealtimeLogConfig':
    case 'AWS::WAFv2::LoggingConfiguration':
      return [
        {
          rule: 'edge-content-logging',
          path: 'Properties',
          value: resource.Type,
          message: `${resource.Type} writes request details outside every residency zone`,
        },
      ];
    default:
      return [];
  }
}
