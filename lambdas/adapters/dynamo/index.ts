/** DynamoDB-backed enforcement stores: tenants, rate limits (GCRA + leases), ladder, audit, table creation. */
export * from './audit-log';
export * from './client';
export * from './ladder-store';
export * from './leased-rate-limiter';
export * from './rate-limiter';
export * from './tables';
export * from './tenant-store';
