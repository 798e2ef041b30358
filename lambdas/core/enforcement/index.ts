/** Enforcement logic (pure, AWS-free): credentials, tenant status and limits, GCRA buckets, the ladder. */
export * from './audit';
export * from './controls';
export * from './credentials';
export * from './gcra';
export * from './keys';
export * from './ladder';
export * from './tenant';
export * from './types';
export * from './usage';
