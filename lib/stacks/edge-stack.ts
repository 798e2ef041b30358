import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { CLOUDFRONT_CONTROL_REGION } from '../../config/regions';
import type { EdgeSettings } from '../../lambdas/core/edge/checks';
import { EdgeFunctions } from '../constructs/edge-functions';
import { acknowledge, acknowledgeGuard } from '../nag';
import { EDGE_MANAGED_RULE_GROUPS_ALLOWED } from '../report/edge-policy';

/** CloudFront distributions, their certificates and Lambda@Edge functions are created in this region. */
export const CLOUDFRONT_REGION = CLOUDFRONT_CONTROL_REGION;

/** Name of the edge stack (one per app, in us-east-1 as CloudFront requires). */
export const EDGE_STACK_NAME = 'Safeguards-edge';

/**
 * Origin the default behaviour points at before the origin-request function routes: a reserved `.invalid` name
 * (RFC 2606) that never resolves, so a request no function routed cannot reach any region.
 */
export const UNROUTED_ORIGIN = 'unrouted.invalid';

/** Properties of {@link EdgeStack}. */
export interface EdgeStackProps extends StackProps {
  /** Public hostname (`api.example.com`). */
  readonly hostname: string;
  /** ACM certificate ARN for the hostname, in us-east-1. */
  readonly certificateArn: string;
  /** What the functions are bundled with: origins by region, claim keys, limits. */
  readonly settings: EdgeSettings;
  /** WAF rate rule: requests per client IP in any 5-minute window. */
  readonly requestsPer5MinPerIp: number;
  /**
   * Bundling overrides of the edge functions.
   *
   * @default - the functions' defaults
   */
  readonly bundling?: nodejs.BundlingOptions;
}

/**
 * The optional global entry (docs/edge.md): one CloudFront distribution in front of the regional APIs, caching
 * off, with a CloudFront-scope WAF web ACL that looks only at client IPs and request rates, and two Lambda@Edge
 * functions associated with `includeBody: false` — viewer-request (content-free checks) and origin-request
 * (routing to the tenant's home region, never across zones). No access or real-time logs: nothing identifying
 * is written at the edge beyond the functions' pseudonymous request ids.
 */
export class EdgeStack extends Stack {
  public readonly distribution: cloudfront.Distribution;
  public readonly functions: EdgeFunctions;
  public readonly webAcl: wafv2.CfnWebACL;

  public constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);

    this.functions = new EdgeFunctions(this, 'Functions', {
      settings: props.settings,
      ...(props.bundling ? { bundling: props.bundling } : {}),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: 'Safeguards edge - IP reputation and per-IP rate only, no header or body inspection',
      // Sampled requests would keep request headers (API keys) in the WAF console: off.
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: 'SafeguardsEdge',
        sampledRequestsEnabled: false,
      },
      rules: [
        ...EDGE_MANAGED_RULE_GROUPS_ALLOWED.map((name, i) => ({
          name,
          priority: i,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: name,
            sampledRequestsEnabled: false,
          },
        })),
        {
          name: 'RatePerIp',
          priority: EDGE_MANAGED_RULE_GROUPS_ALLOWED.length,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.requestsPer5MinPerIp, aggregateKeyType: 'IP' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'RatePerIp',
            sampledRequestsEnabled: false,
          },
        },
      ],
    });

    const edgeLambdas: cloudfront.EdgeLambda[] = [
      {
        eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST,
        functionVersion: this.functions.viewerRequest.currentVersion,
        includeBody: false,
      },
      {
        eventType: cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST,
        functionVersion: this.functions.originRequest.currentVersion,
        includeBody: false,
      },
    ];

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Safeguards global entry: content-free checks, home-region routing',
      domainNames: [props.hostname],
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      webAclId: this.webAcl.attrArn,
      enableLogging: false,
      defaultBehavior: {
        origin: new origins.HttpOrigin(UNROUTED_ORIGIN, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: false,
        edgeLambdas,
      },
    });

    acknowledgeGuard(
      this.distribution,
      'cloudfront_access_logs_enabled_check',
      'See AwsSolutions-CFR3: edge access logs would hold client IPs and paths outside every residency zone.',
    );
    acknowledgeGuard(
      this.distribution,
      'cloudfront_default_root_object_configured_check',
      'An API distribution: there is no root object to serve.',
    );
    acknowledgeGuard(
      this.distribution,
      'cloudfront_origin_failover_enabled_check',
      "Requests are routed to their home region's origin; failing over to another region's origin would move them out of their residency zone.",
    );
    acknowledge(
      this.distribution,
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'No access logs at the edge: they would hold client IPs and paths in an S3 bucket outside every residency zone; WAF and CloudFront metrics are kept instead (docs/edge.md).',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Geo restriction is not a residency control here: routing by the signed home-region claim is.',
      },
    );
    acknowledge(this.webAcl, {
      id: 'NIST.800.53.R5-WAFv2LoggingEnabled',
      reason:
        'WAF logs carry request headers (API keys) and client addresses; at CloudFront scope they would be written outside every residency zone. Metrics per rule are kept instead.',
    });

    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: `Point ${props.hostname} (CNAME/alias) at this CloudFront domain`,
    });
  }
}
