/** Tier-2 classifier adapters. */
export * from './breaker';
export * from './sagemaker';
