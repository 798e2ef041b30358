/**
 * zod 4 schemas of the two accepted body shapes: the Anthropic Messages API body (beta fields
 * included) and the Bedrock InvokeModel body for Anthropic models. Every object is strict (unknown
 * fields → 400): what is not declared here is refused, and what is declared is classified in
 * `fields.ts` (the field table, kept current against the `@anthropic-ai/sdk` request types by a test).
 * Each object carries `.meta({ sdk })`, the SDK type it stands for, so that test can also check that
 * this schema and the table agree. Cross-field rules (first message is from the user, base64 and URL
 * checks) are applied after parsing in segments.ts, where they can name the field precisely.
 */
import * as z from 'zod';
import { LIMITS } from './limits';
import { DOMAIN_RE, ID_RE, MODEL_ID_RE, OPAQUE_RE, TOOL_NAME_RE, USER_ID_RE } from './patterns';

/** A strict object standing for the SDK request type `sdk` (the `Beta` prefix dropped). */
const obj = <S extends z.ZodRawShape>(sdk: string, shape: S) => z.strictObject(shape).meta({ sdk });

const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

const CacheControl = obj('CacheControlEphemeral', {
  type: z.literal('ephemeral'),
  ttl: z.enum(['5m', '1h']).optional(),
});
const cache = { cache_control: opt(CacheControl) };

/** Tool-use ids and tool names: what the API itself accepts, so no free text travels in them. */
const Id = z.string().regex(ID_RE, 'must be 1-256 characters of letters, digits, _ and -');
const ToolName = z.string().regex(TOOL_NAME_RE, 'must be 1-128 characters of letters, digits, _ and -');
/** Opaque tokens the API issued (signatures, encrypted indexes): base64/base64url, never free text. */
const Opaque = z.string().regex(OPAQUE_RE, 'must be an opaque token (base64 characters only)');
const Index = z.int().min(0);

const citationBase = { cited_text: z.string(), type: z.string() };
const documentCitation = {
  ...citationBase,
  document_index: Index,
  document_title: z.string().nullable(),
};
const Citation = z.discriminatedUnion('type', [
  obj('CitationCharLocationParam', {
    ...documentCitation,
    type: z.literal('char_location'),
    start_char_index: Index,
    end_char_index: Index,
  }),
  obj('CitationPageLocationParam', {
    ...documentCitation,
    type: z.literal('page_location'),
    start_page_number: Index,
    end_page_number: Index,
  }),
  obj('CitationContentBlockLocationParam', {
    ...documentCitation,
    type: z.literal('content_block_location'),
    start_block_index: Index,
    end_block_index: Index,
  }),
  obj('CitationWebSearchResultLocationParam', {
    ...citationBase,
    type: z.literal('web_search_result_location'),
    encrypted_index: Opaque,
    title: z.string().nullable(),
    url: z.string(),
  }),
  obj('CitationSearchResultLocationParam', {
    ...citationBase,
    type: z.literal('search_result_location'),
    search_result_index: Index,
    start_block_index: Index,
    end_block_index: Index,
    source: z.string(),
    title: z.string().nullable(),
  }),
]);

export const TextBlock = obj('TextBlockParam', {
  type: z.literal('text'),
  text: z.string().min(1, 'text must be non-empty'),
  ...cache,
  citations: opt(z.array(Citation).max(LIMITS.maxBlocks)),
});

const ImageMediaType = z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export const ImageBlock = obj('ImageBlockParam', {
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    obj('Base64ImageSource', { type: z.literal('base64'), media_type: ImageMediaType, data: z.string() }),
    obj('URLImageSource', { type: z.literal('url'), url: z.string().min(1) }),
  ]),
  ...cache,
});

const DocumentContentBlock = z.discriminatedUnion('type', [TextBlock, ImageBlock]);

export const DocumentBlock = obj('RequestDocumentBlock', {
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    obj('Base64PDFSource', {
      type: z.literal('base64'),
      media_type: z.literal('application/pdf'),
      data: z.string(),
    }),
    obj('PlainTextSource', {
      type: z.literal('text'),
      media_type: z.literal('text/plain'),
      data: z.string(),
    }),
    obj('ContentBlockSource', {
      type: z.literal('content'),
      content: z.union([z.string(), z.array(DocumentContentBlock).min(1).max(LIMITS.maxBlocks)]),
    }),
    obj('URLPDFSource', { type: z.literal('url'), url: z.string().min(1) }),
  ]),
  title: opt(z.string().max(500)),
  context: opt(z.string()),
  citations: opt(obj('CitationsConfigParam', { enabled: z.boolean().optional() })),
  ...cache,
});

const ToolReferenceBlock = obj('ToolReferenceBlockParam', {
  type: z.literal('tool_reference'),
  tool_name: ToolName,
  ...cache,
});

const ToolResultContentBlock = z.discriminatedUnion('type', [
  TextBlock,
  ImageBlock,
  DocumentBlock,
  ToolReferenceBlock,
]);

export const ToolResultBlock = obj('ToolResultBlockParam', {
  type: z.literal('tool_result'),
  tool_use_id: Id,
  content: z.union([z.string(), z.array(ToolResultContentBlock).max(LIMITS.maxBlocks)]).optional(),
  is_error: z.boolean().optional(),
  ...cache,
});

export const ToolUseBlock = obj('ToolUseBlockParam', {
  type: z.literal('tool_use'),
  id: Id,
  name: ToolName,
  input: z.record(z.string(), z.unknown()),
  ...cache,
});

export const ThinkingBlock = obj('ThinkingBlockParam', {
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: Opaque,
});

export const RedactedThinkingBlock = obj('RedactedThinkingBlockParam', {
  type: z.literal('redacted_thinking'),
  data: Opaque,
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

const Effort = z.enum(['low', 'medium', 'high', 'xhigh', 'max']);

export const Message = z.discriminatedUnion('role', [
  obj('UserMessageParam', { role: z.literal('user'), content: content(UserBlock) }),
  obj('AssistantMessageParam', { role: z.literal('assistant'), content: content(AssistantBlock) }),
  /** Mid-conversation system turn (Claude Code sends one after the first user message). */
  obj('SystemMessageParam', {
    role: z.literal('system'),
    content: content(TextBlock).optional(),
    clear_at: opt(z.enum(['next_user_message', 'never'])),
    output_config: opt(obj('SystemMessageOutputConfig', { effort: opt(Effort) })),
  }),
]);

const System = z.union([z.string(), z.array(TextBlock).max(LIMITS.maxBlocks)]);

/** Free-form JSON (schemas, tool inputs, examples): accepted as is; every key and string in it is checked. */
const Json = z.record(z.string(), z.unknown());

const AllowedCallers = z
  .array(z.enum(['direct', 'code_execution_20250825', 'code_execution_20260120', 'code_execution_20260521']))
  .max(8);
const toolCommon = {
  allowed_callers: AllowedCallers.optional(),
  ...cache,
  defer_loading: z.boolean().optional(),
  strict: z.boolean().optional(),
};
const withExamples = { ...toolCommon, input_examples: z.array(Json).max(LIMITS.maxBlocks).optional() };

const CustomTool = obj('Tool', {
  type: opt(z.literal('custom')),
  name: ToolName,
  description: z.string().optional(),
  input_schema: Json,
  eager_input_streaming: opt(z.boolean()),
  ...withExamples,
});

/** An Anthropic-defined tool: fixed name and versioned type; the fields are all controls. */
const definedTool = <N extends string, T extends readonly [string, ...string[]], E extends z.ZodRawShape>(
  sdk: string,
  name: N,
  types: T,
  extra: E,
) => obj(sdk, { name: z.literal(name), type: z.enum(types), ...extra });

const Px = z.int().min(1).max(100_000);
const computer = { display_width_px: Px, display_height_px: Px, display_number: opt(z.int().min(0)) };
const Domains = opt(z.array(z.string().regex(DOMAIN_RE, 'must be a domain name')).max(256));

const UserLocation = obj('UserLocation', {
  type: z.literal('approximate'),
  city: opt(z.string().max(255)),
  region: opt(z.string().max(255)),
  country: opt(z.string().max(2)),
  timezone: opt(z.string().max(255)),
});

const DEFINED_TOOLS = [
  definedTool('ToolBash20250124', 'bash', ['bash_20241022', 'bash_20250124'], withExamples),
  definedTool(
    'ToolTextEditor20250124',
    'str_replace_editor',
    ['text_editor_20241022', 'text_editor_20250124'],
    withExamples,
  ),
  definedTool(
    'ToolTextEditor20250728',
    'str_replace_based_edit_tool',
    ['text_editor_20250429', 'text_editor_20250728'],
    {
      ...withExamples,
      max_characters: opt(z.int().min(1)),
    },
  ),
  definedTool('ToolComputerUse20250124', 'computer', ['computer_20241022', 'computer_20250124'], {
    ...withExamples,
    ...computer,
  }),
  definedTool('ToolComputerUse20251124', 'computer', ['computer_20251124'], {
    ...withExamples,
    ...computer,
    enable_zoom: z.boolean().optional(),
  }),
  definedTool('MemoryTool20250818', 'memory', ['memory_20250818'], withExamples),
  definedTool(
    'CodeExecutionTool20250825',
    'code_execution',
    [
      'code_execution_20250522',
      'code_execution_20250825',
      'code_execution_20260120',
      'code_execution_20260521',
    ],
    toolCommon,
  ),
  definedTool(
    'ToolSearchToolBm25_20251119',
    'tool_search_tool_bm25',
    ['tool_search_tool_bm25_20251119', 'tool_search_tool_bm25'],
    toolCommon,
  ),
  definedTool(
    'ToolSearchToolRegex20251119',
    'tool_search_tool_regex',
    ['tool_search_tool_regex_20251119', 'tool_search_tool_regex'],
    toolCommon,
  ),
  definedTool(
    'WebSearchTool20260318',
    'web_search',
    ['web_search_20250305', 'web_search_20260209', 'web_search_20260318'],
    {
      ...toolCommon,
      allowed_domains: Domains,
      blocked_domains: Domains,
      max_uses: opt(z.int().min(1)),
      response_inclusion: z.enum(['full', 'excluded']).optional(),
      user_location: opt(UserLocation),
    },
  ),
] as const;

/** Tool `type` values accepted besides `custom` (listed in errors). */
export const DEFINED_TOOL_TYPES: readonly string[] = DEFINED_TOOLS.flatMap((t) => t.shape.type.options);

/**
 * A tool definition: custom (no `type`, or `custom`) or one of the Anthropic-defined tools above. The
 * branch is chosen by `type` first so that errors name the field of the tool that was meant.
 */
const Tool = z.union([CustomTool, ...DEFINED_TOOLS]);

const ToolChoice = z.discriminatedUnion('type', [
  obj('ToolChoiceAuto', { type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  obj('ToolChoiceAny', { type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  obj('ToolChoiceNone', { type: z.literal('none') }),
  obj('ToolChoiceTool', {
    type: z.literal('tool'),
    name: ToolName,
    disable_parallel_tool_use: z.boolean().optional(),
  }),
]);

const Display = opt(z.enum(['summarized', 'omitted', 'updates']));
const Thinking = z.discriminatedUnion('type', [
  obj('ThinkingConfigEnabled', {
    type: z.literal('enabled'),
    budget_tokens: z.int().min(1024).max(LIMITS.maxTokens),
    display: Display,
  }),
  obj('ThinkingConfigAdaptive', { type: z.literal('adaptive'), display: Display }),
  obj('ThinkingConfigDisabled', { type: z.literal('disabled') }),
]);

const Count = z.int().min(0);
const InputTokens = obj('InputTokensTrigger', { type: z.literal('input_tokens'), value: Count });
const ToolUses = obj('ToolUsesTrigger', { type: z.literal('tool_uses'), value: Count });
const ContextEdit = z.discriminatedUnion('type', [
  obj('ClearThinking20251015Edit', {
    type: z.literal('clear_thinking_20251015'),
    keep: z
      .union([
        z.literal('all'),
        obj('ThinkingTurns', { type: z.literal('thinking_turns'), value: Count }),
        obj('AllThinkingTurns', { type: z.literal('all') }),
      ])
      .optional(),
  }),
  obj('ClearToolUses20250919Edit', {
    type: z.literal('clear_tool_uses_20250919'),
    clear_at_least: opt(obj('InputTokensClearAtLeast', { type: z.literal('input_tokens'), value: Count })),
    clear_tool_inputs: opt(z.union([z.boolean(), z.array(ToolName).max(LIMITS.maxTools)])),
    exclude_tools: opt(z.array(ToolName).max(LIMITS.maxTools)),
    keep: obj('ToolUsesKeep', { type: z.literal('tool_uses'), value: Count }).optional(),
    trigger: z.discriminatedUnion('type', [InputTokens, ToolUses]).optional(),
  }),
  obj('Compact20260112Edit', {
    type: z.literal('compact_20260112'),
    instructions: opt(z.string()),
    pause_after_compaction: z.boolean().optional(),
    trigger: opt(InputTokens),
  }),
]);

const JsonOutputFormat = obj('JSONOutputFormat', { type: z.literal('json_schema'), schema: Json });

/** Fields shared by both wire formats. */
const common = {
  max_tokens: z.int().min(1).max(LIMITS.maxTokens),
  messages: z.array(Message).min(1, 'messages must not be empty').max(LIMITS.maxMessages),
  system: System.optional(),
  metadata: obj('Metadata', {
    user_id: opt(z.string().regex(USER_ID_RE, 'must be 1-512 printable ASCII characters without spaces')),
  }).optional(),
  stop_sequences: z.array(z.string().min(1)).max(LIMITS.maxStopSequences).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().min(0).optional(),
  tools: z.array(Tool).max(LIMITS.maxTools).optional(),
  tool_choice: ToolChoice.optional(),
  thinking: Thinking.optional(),
  context_management: opt(obj('ContextManagementConfig', { edits: z.array(ContextEdit).max(16).optional() })),
  output_config: obj('OutputConfig', {
    effort: opt(Effort),
    format: opt(JsonOutputFormat),
    task_budget: opt(
      obj('TokenTaskBudget', { type: z.literal('tokens'), total: Count, remaining: opt(Count) }),
    ),
  }).optional(),
  output_format: opt(JsonOutputFormat),
  cache_control: opt(CacheControl),
  service_tier: z.enum(['auto', 'standard_only']).optional(),
  speed: opt(z.enum(['standard', 'fast'])),
};

/** `POST /v1/messages` body. */
export const MessagesBody = obj('MessageCreateParamsBase', {
  ...common,
  model: z.string().regex(MODEL_ID_RE, 'model must be 1-256 characters of letters, digits and .:_-/@'),
  stream: z.boolean().optional(),
});

/** `POST /model/{modelId}/invoke` body for Anthropic models: no `model` or `stream`, version required. */
export const BedrockBody = obj('BedrockInvokeModelBody', {
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
export type ToolT = z.infer<typeof Tool>;

/** Top-level fields each format accepts (listed in unknown-field errors). */
export const ALLOWED_FIELDS = {
  messages: Object.keys(MessagesBody.shape).sort(),
  bedrock: Object.keys(BedrockBody.shape).sort(),
} as const;
