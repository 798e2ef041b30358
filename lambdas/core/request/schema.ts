/**
 * zod 4 schemas of the two accepted body shapes: the Anthropic Messages API body and the Bedrock
 * InvokeModel body for Anthropic models. Objects are strict (unknown fields → 400), as the
 * upstream APIs are. Cross-field rules (first message is from the user, base64 and URL checks) are
 * applied after parsing in parse.ts, where they can name the field precisely.
 */
import { z } from 'zod';
import { LIMITS } from './limits';
import { MODEL_ID_RE, SERVER_TOOL_TYPE_RE } from './patterns';

const CacheControl = z.strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() });
const Citations = z.array(z.record(z.string(), z.unknown())).max(LIMITS.maxBlocks);

export const TextBlock = z.strictObject({
  type: z.literal('text'),
  text: z.string().min(1, 'text must be non-empty'),
  cache_control: CacheControl.optional(),
  citations: Citations.nullable().optional(),
});

const ImageMediaType = z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const UrlSource = z.strictObject({ type: z.literal('url'), url: z.string().min(1) });

export const ImageBlock = z.strictObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('base64'), media_type: ImageMediaType, data: z.string() }),
    UrlSource,
  ]),
  cache_control: CacheControl.optional(),
});

const DocumentContentBlock = z.discriminatedUnion('type', [TextBlock, ImageBlock]);

export const DocumentBlock = z.strictObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string() }),
    z.strictObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
    z.strictObject({
      type: z.literal('content'),
      content: z.union([z.string(), z.array(DocumentContentBlock).min(1).max(LIMITS.maxBlocks)]),
    }),
    UrlSource,
  ]),
  title: z.string().max(500).nullable().optional(),
  context: z.string().nullable().optional(),
  citations: z.strictObject({ enabled: z.boolean() }).optional(),
  cache_control: CacheControl.optional(),
});

const ToolResultContentBlock = z.discriminatedUnion('type', [TextBlock, ImageBlock, DocumentBlock]);

export const ToolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1).max(256),
  content: z.union([z.string(), z.array(ToolResultContentBlock).max(LIMITS.maxBlocks)]).optional(),
  is_error: z.boolean().optional(),
  cache_control: CacheControl.optional(),
});

export const ToolUseBlock = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  input: z.record(z.string(), z.unknown()),
  cache_control: CacheControl.optional(),
});

export const ThinkingBlock = z.strictObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string(),
});

export const RedactedThinkingBlock = z.strictObject({
  type: z.literal('redacted_thinking'),
  data: z.string(),
});

const UserBlock = z.discriminatedUnion('type', [TextBlock, ImageBlock, DocumentBlock, ToolResultBlock]);
const AssistantBlock = z.discriminatedUnion('type', [
  TextBlock,
  ToolUseBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
]);

const content = <T extends z.ZodType>(block: T) =>
  z.union([
    z.string().min(1, 'content must be non-empty'),
    z.array(block).min(1, 'content must have at least one block').max(LIMITS.maxBlocks),
  ]);

export const Message = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('user'), content: content(UserBlock) }),
  z.strictObject({ role: z.literal('assistant'), content: content(AssistantBlock) }),
]);

const System = z.union([z.string(), z.array(TextBlock).max(LIMITS.maxBlocks)]);

const CustomTool = z.strictObject({
  type: z.literal('custom').optional(),
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: CacheControl.optional(),
});

/** Server tools (`web_search_20250305`, …) carry versioned types and tool-specific fields. */
const ServerTool = z.looseObject({
  type: z.string().regex(SERVER_TOOL_TYPE_RE, 'unknown tool type'),
  name: z.string().min(1).max(128),
});

const Tool = z.union([CustomTool, ServerTool]);

const ToolChoice = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('tool'),
    name: z.string().min(1).max(128),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
]);

const Thinking = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('enabled'), budget_tokens: z.int().min(1024).max(LIMITS.maxTokens) }),
  z.strictObject({ type: z.literal('disabled') }),
]);

/** Fields shared by both wire formats. */
const common = {
  max_tokens: z.int().min(1).max(LIMITS.maxTokens),
  messages: z.array(Message).min(1, 'messages must not be empty').max(LIMITS.maxMessages),
  system: System.optional(),
  metadata: z.strictObject({ user_id: z.string().max(256).nullable().optional() }).optional(),
  stop_sequences: z.array(z.string().min(1)).max(LIMITS.maxStopSequences).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().min(0).optional(),
  tools: z.array(Tool).max(LIMITS.maxTools).optional(),
  tool_choice: ToolChoice.optional(),
  thinking: Thinking.optional(),
};

/** `POST /v1/messages` body. */
export const MessagesBody = z.strictObject({
  ...common,
  model: z.string().regex(MODEL_ID_RE, 'model must be 1-256 characters of letters, digits and .:_-/@'),
  stream: z.boolean().optional(),
  service_tier: z.enum(['auto', 'standard_only']).optional(),
});

/** `POST /model/{modelId}/invoke` body for Anthropic models: no `model` or `stream`, version required. */
export const BedrockBody = z.strictObject({
  ...common,
  anthropic_version: z.literal('bedrock-2023-05-31'),
  anthropic_beta: z.array(z.string().min(1).max(128)).max(32).optional(),
});

export type MessagesBodyT = z.infer<typeof MessagesBody>;
export type BedrockBodyT = z.infer<typeof BedrockBody>;
export type MessageT = z.infer<typeof Message>;
export type TextBlockT = z.infer<typeof TextBlock>;
export type DocumentBlockT = z.infer<typeof DocumentBlock>;
export type ImageBlockT = z.infer<typeof ImageBlock>;

/** Top-level fields each format accepts (listed in unknown-field errors). */
export const ALLOWED_FIELDS = {
  messages: Object.keys(MessagesBody.shape).sort(),
  bedrock: Object.keys(BedrockBody.shape).sort(),
} as const;
