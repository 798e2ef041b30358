import { CfnOutput } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';

/** Properties for {@link EdgeOrigin}. */
export interface EdgeOriginProps {
  /** The serving API the edge forwards to. */
  readonly api: apigateway.RestApi;
  /** Custom domain the edge's origin-request function sends this region's tenants to. */
  readonly domainName: string;
  /** ACM certificate for `domainName`, in this region. */
  readonly certificateArn: string;
}

/**
 * The regional end of the global edge: a REGIONAL API Gateway custom domain (TLS 1.2) mapped to the serving API.
 * Declaring the domain in this region's template is what lets the compliance report prove, from the templates,
 * which region every edge origin is (docs/edge.md).
 */
export class EdgeOrigin extends Construct {
  public readonly domain: apigateway.DomainName;

  public constructor(scope: Construct, id: string, props: EdgeOriginProps) {
    super(scope, id);
    this.domain = new apigateway.DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
      mapping: props.api,
    });
    new CfnOutput(this, 'Target', {
      value: this.domain.domainNameAliasDomainName,
      description: `DNS target of ${props.domainName} (the edge's origin for this region)`,
    });
  }
}
