/** Hard limits applied to every request body. Documented in docs/normalization.md. */
export const LIMITS = {
  /** Default body size limit (bytes); larger → 413. */
  maxBytes: 2 * 1024 * 1024,
  /** Maximum nesting of objects/arrays, checked by a linear pre-scan before JSON.parse. */
  maxDepth: 64,
  /** Maximum number of messages. */
  maxMessages: 1000,
  /** Maximum content blocks in one message, one system array or one tool_result. */
  maxBlocks: 500,
  /** Maximum tool definitions. */
  maxTools: 256,
  /** Maximum stop sequences. */
  maxStopSequences: 64,
  /** Upper bound accepted for max_tokens (the upstream applies the model's own limit). */
  maxTokens: 1_000_000,
  /** Maximum length of an image/document URL. */
  maxUrlLength: 2048,
  /** Maximum number of text segments extracted from one request. */
  maxSegments: 10_000,
} as const;
