/**
 * What the global edge may run, shared by the edge stack (which builds it) and the residency rules (which check
 * it): AWS managed WAF rule groups that decide on the client address alone.
 */
export const EDGE_MANAGED_RULE_GROUPS_ALLOWED: readonly string[] = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesAnonymousIpList',
];
