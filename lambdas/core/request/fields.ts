/**
 * The field table: how every field of a Messages API request (beta included) is treated, keyed by the
 * `@anthropic-ai/sdk` request type that declares it (the `Beta` prefix dropped). A test walks the SDK's
 * type declarations from `MessageCreateParams` and `BetaMessageCreateParams` and fails when the SDK has
 * a field or a type this table does not classify; another checks that the zod schema (schema.ts) accepts
 * exactly the fields classified here as accepted. docs/serving.md renders it ({@link fieldTableMarkdown}).
 *
 * Each rule starts with one keyword, then a note:
 * - `text:<trust>` — a string (or every string of a string array/union) the model reads: a checked
 *   segment with that trust boundary (`text:container`: the trust of the message or block it is in).
 * - `json:<trust>` — free-form JSON: every key and every string leaf is a checked segment.
 * - `control` — validated by the schema (enum, number, boolean, bounded id or opaque token); no prose.
 * - `nested` — an object or array of typed blocks: its types are classified in their own rows.
 * - `route` — owned by the route/adapter (`model`, `stream`).
 * - `refused` — 400 `invalid_request_error` naming the JSON path.
 * A type mapped to the string `refused` is refused wherever it appears (400 naming the `type` path).
 */

/** A rule: keyword, then an optional note. */
export type FieldRule = string;

type Row = Readonly<Record<string, FieldRule>>;

const cache = 'control — cache_control {type: ephemeral, ttl?: 5m|1h}';
const type = 'control — block type literal';
const toolCommon: Row = {
  name: 'control — the tool\u2019s fixed name (literal)',
  type: 'control — versioned tool type (enum)',
  allowed_callers: 'control — enum list',
  cache_control: cache,
  defer_loading: 'control — boolean',
  strict: 'control — boolean',
};
const withExamples: Row = { ...toolCommon, input_examples: 'json:system — example inputs the model reads' };
const computer: Row = {
  ...withExamples,
  display_height_px: 'control — integer',
  display_width_px: 'control — integer',
  display_number: 'control — integer',
};
const webSearch: Row = {
  ...toolCommon,
  allowed_domains: 'control — domain names (pattern)',
  blocked_domains: 'control — domain names (pattern)',
  max_uses: 'control — integer',
  user_location: 'nested',
  response_inclusion: 'control — enum',
};
const docCitation = (range: string): Row => ({
  cited_text: 'text:document — quoted text the model reads',
  document_index: 'control — integer',
  document_title: 'text:document',
  [`start_${range}`]: 'control — integer',
  [`end_${range}`]: 'control — integer',
  type,
});
const count: Row = { type, value: 'control — integer' };

/** Top-level fields of `MessageCreateParamsBase` that are refused, and why (named in the 400 message). */
const REFUSED_TOP: Readonly<Record<string, string>> = {
  inference_geo: 'refused — the region is fixed by this deployment (data residency)',
  container: 'refused — code-execution containers and skills are not served',
  mcp_servers: 'refused — the model would call MCP servers this gateway cannot check',
  billing_policy: 'refused — billing is the gateway\u2019s',
  compaction: 'refused — server-side compaction is not served',
  diagnostics: 'refused — not served',
  fallback_credit_token: 'refused — not served',
  fallbacks: 'refused — another model would bypass the model allowlist',
  thread: 'refused — stored threads are not served (the whole conversation must be in the request)',
  betas: 'refused — betas travel in the `anthropic-beta` header (allowlisted), never in the body',
  user_profile_id: 'refused — not served',
  workspace_id: 'refused — not served',
};

/** Refused top-level field names (for a clear 400 message instead of "unknown field"). */
export const REFUSED_TOP_LEVEL: ReadonlySet<string> = new Set(Object.keys(REFUSED_TOP));

const documentBlock: Row = {
  source: 'nested',
  type,
  cache_control: cache,
  citations: 'nested',
  context: 'text:document',
  title: 'text:document',
};

export const FIELD_TABLE: Readonly<Record<string, 'refused' | Row>> = {
  MessageCreateParamsBase: {
    model: 'route — validated id (pattern); canonicalized and allowlisted by the model rules',
    stream: 'route — boolean; the adapter sets it',
    max_tokens: 'control — integer 1–1 000 000',
    messages: 'nested',
    system: 'text:system — string, or text blocks',
    metadata: 'nested',
    stop_sequences: 'text:user — each sequence is checked',
    thinking: 'nested',
    tool_choice: 'nested',
    tools: 'nested',
    context_management: 'nested',
    output_config: 'nested',
    output_format: 'nested',
    cache_control: cache,
    service_tier: 'control — auto|standard_only',
    speed: 'control — standard|fast',
    temperature: 'control — number 0–1 (not in the current SDK types; still accepted by the API)',
    top_p: 'control — number 0–1 (not in the current SDK types)',
    top_k: 'control — integer ≥ 0 (not in the current SDK types)',
    ...REFUSED_TOP,
  },
  BedrockInvokeModelBody: {
    '(common)': 'nested — every MessageCreateParamsBase field above except model and stream',
    anthropic_version: 'control — bedrock-2023-05-31',
    anthropic_beta: 'control — filtered through the beta allowlist (unknown flags dropped)',
  },
  Metadata: {
    user_id:
      'text:user — 1–512 printable ASCII characters without spaces; not shown to the model but forwarded, so checked as user text (words spelled as an id are blocked, an e-mail is redacted)',
  },

  UserMessageParam: { role: type, content: 'text:user — string, or blocks' },
  AssistantMessageParam: { role: type, content: 'text:assistant — string, or blocks' },
  SystemMessageParam: {
    role: type,
    content: 'text:system — string, or text blocks',
    clear_at: 'control — enum',
    output_config: 'nested',
  },
  SystemMessageOutputConfig: { effort: 'control — enum' },
  RequestToolAdditionBlock: 'refused',
  RequestToolRemovalBlock: 'refused',

  TextBlockParam: {
    text: 'text:container — the trust of the message, system prompt, tool result or document it is in',
    type,
    cache_control: cache,
    citations: 'nested',
  },
  CacheControlEphemeral: { type, ttl: 'control — 5m|1h' },
  CitationCharLocationParam: docCitation('char_index'),
  CitationPageLocationParam: docCitation('page_number'),
  CitationContentBlockLocationParam: docCitation('block_index'),
  CitationWebSearchResultLocationParam: {
    cited_text: 'text:document',
    encrypted_index: 'control — opaque token (base64 characters)',
    title: 'text:document',
    type,
    url: 'text:document',
  },
  CitationSearchResultLocationParam: {
    cited_text: 'text:document',
    source: 'text:document',
    title: 'text:document',
    search_result_index: 'control — integer',
    start_block_index: 'control — integer',
    end_block_index: 'control — integer',
    type,
  },
  ImageBlockParam: {
    source: 'nested',
    type,
    cache_control: cache,
    transformations: 'refused — not served',
  },
  Base64ImageSource: { data: 'control — base64, magic number checked', media_type: 'control — enum', type },
  URLImageSource: { type, url: 'text:document — https to a public host (URL policy), and checked as text' },
  FileImageSource: 'refused',
  RequestDocumentBlock: documentBlock,
  DocumentBlockParam: documentBlock,
  CitationsConfigParam: { enabled: 'control — boolean' },
  Base64PDFSource: { data: 'control — base64, magic number checked', media_type: 'control — literal', type },
  PlainTextSource: { data: 'text:document', media_type: 'control — literal', type },
  ContentBlockSource: { content: 'text:document — string, or text/image blocks', type },
  URLPDFSource: { type, url: 'text:document — https to a public host (URL policy), and checked as text' },
  FileDocumentSource: 'refused',
  SearchResultBlockParam: 'refused',
  ThinkingBlockParam: {
    thinking: 'text:assistant',
    signature: 'control — opaque token (base64 characters)',
    type,
  },
  RedactedThinkingBlockParam: { data: 'control — opaque token (base64 characters)', type },
  ToolUseBlockParam: {
    id: 'control — id (pattern)',
    name: 'control — tool name (pattern)',
    input: 'json:tool_use — every key and string',
    type,
    cache_control: cache,
    caller: 'refused — programmatic tool calling is not served',
    toolset_name: 'refused — toolsets are not served',
  },
  ToolResultBlockParam: {
    tool_use_id: 'control — id (pattern)',
    content: 'text:tool_result — string, or blocks',
    is_error: 'control — boolean',
    type,
    cache_control: cache,
    toolset_name: 'refused — toolsets are not served',
  },
  ToolReferenceBlockParam: { tool_name: 'control — tool name (pattern)', type, cache_control: cache },
  BrowserStateBlockParam: 'refused',
  ServerToolUseBlockParam: 'refused',
  WebSearchToolResultBlockParam: 'refused',
  WebFetchToolResultBlockParam: 'refused',
  AdvisorToolResultBlockParam: 'refused',
  CodeExecutionToolResultBlockParam: 'refused',
  BashCodeExecutionToolResultBlockParam: 'refused',
  TextEditorCodeExecutionToolResultBlockParam: 'refused',
  ToolSearchToolResultBlockParam: 'refused',
  MCPToolUseBlockParam: 'refused',
  RequestMCPToolResultBlockParam: 'refused',
  ContainerUploadBlockParam: 'refused',
  CompactionBlockParam: 'refused',
  MCPToolListingBlockParam: 'refused',
  FallbackBlockParam: 'refused',

  Tool: {
    name: 'control — tool name (pattern)',
    description: 'text:system',
    input_schema: 'json:system — every key and string (names, enums, titles, descriptions, defaults…)',
    input_examples: 'json:system',
    type: 'control — custom',
    allowed_callers: 'control — enum list',
    cache_control: cache,
    defer_loading: 'control — boolean',
    eager_input_streaming: 'control — boolean',
    strict: 'control — boolean',
  },
  ToolBash20241022: withExamples,
  ToolBash20250124: withExamples,
  ToolTextEditor20241022: withExamples,
  ToolTextEditor20250124: withExamples,
  ToolTextEditor20250429: withExamples,
  ToolTextEditor20250728: { ...withExamples, max_characters: 'control — integer' },
  ToolComputerUse20241022: computer,
  ToolComputerUse20250124: computer,
  ToolComputerUse20251124: { ...computer, enable_zoom: 'control — boolean' },
  MemoryTool20250818: withExamples,
  CodeExecutionTool20250522: toolCommon,
  CodeExecutionTool20250825: toolCommon,
  CodeExecutionTool20260120: toolCommon,
  CodeExecutionTool20260521: toolCommon,
  ToolSearchToolBm25_20251119: toolCommon,
  ToolSearchToolRegex20251119: toolCommon,
  WebSearchTool20250305: webSearch,
  WebSearchTool20260209: webSearch,
  WebSearchTool20260318: webSearch,
  UserLocation: {
    type,
    city: 'text:user',
    region: 'text:user',
    country: 'text:user',
    timezone: 'text:user',
  },
  WebFetchTool20250910: 'refused',
  WebFetchTool20260209: 'refused',
  WebFetchTool20260309: 'refused',
  WebFetchTool20260318: 'refused',
  AdvisorTool20260301: 'refused',
  MCPToolset: 'refused',
  BrowserToolset20260801: 'refused',
  ComputerToolset20260801: 'refused',

  ToolChoiceAuto: { type, disable_parallel_tool_use: 'control — boolean' },
  ToolChoiceAny: { type, disable_parallel_tool_use: 'control — boolean' },
  ToolChoiceNone: { type },
  ToolChoiceTool: {
    type,
    name: 'control — tool name (pattern)',
    disable_parallel_tool_use: 'control — boolean',
  },

  ThinkingConfigEnabled: {
    type,
    budget_tokens: 'control — integer ≥ 1024',
    display: 'control — summarized|omitted|updates',
    block_binding: 'refused — not served',
  },
  ThinkingConfigAdaptive: {
    type,
    display: 'control — summarized|omitted|updates',
    block_binding: 'refused — not served',
  },
  ThinkingConfigDisabled: { type },
  ThinkingConfigBetweenTools: 'refused',

  ContextManagementConfig: { edits: 'nested' },
  ClearThinking20251015Edit: { type, keep: 'control — all, or {type, value}' },
  ThinkingTurns: count,
  AllThinkingTurns: { type },
  ClearToolUses20250919Edit: {
    type,
    clear_at_least: 'nested',
    clear_tool_inputs: 'control — boolean or tool names (pattern)',
    exclude_tools: 'control — tool names (pattern)',
    keep: 'nested',
    trigger: 'nested',
  },
  InputTokensClearAtLeast: count,
  ToolUsesKeep: count,
  InputTokensTrigger: count,
  ToolUsesTrigger: count,
  Compact20260112Edit: {
    type,
    instructions: 'text:system — instructions the summarizing model reads',
    pause_after_compaction: 'control — boolean',
    trigger: 'nested',
  },

  OutputConfig: { effort: 'control — enum', format: 'nested', task_budget: 'nested' },
  JSONOutputFormat: { type, schema: 'json:system — every key and string' },
  TokenTaskBudget: { type, total: 'control — integer', remaining: 'control — integer' },
};

/** The keyword of a rule (`text`, `json`, `control`, `nested`, `route`, `refused`). */
export const ruleKind = (rule: FieldRule): string => (rule.split(/[ :]/, 1)[0] ?? '').trim();

/**
 * `anthropic-beta` flags forwarded to the model. Decision: unknown flags are DROPPED (not refused) —
 * a flag only unlocks features, and every body field those features use is classified in the table
 * (unclassified fields are refused whatever the flags say). Dropping keeps clients that send new flags
 * working; the number dropped is counted. Each flag of the SDK's `AnthropicBeta` union must be in
 * ALLOWED_BETAS or DENIED_BETAS (a test fails otherwise).
 */
export const ALLOWED_BETAS: ReadonlySet<string> = new Set([
  // In the SDK union; the features they unlock are served and classified.
  'computer-use-2024-10-22',
  'computer-use-2025-01-24',
  'computer-use-2025-11-24',
  'output-128k-2025-02-19',
  'interleaved-thinking-2025-05-14',
  'code-execution-2025-05-22',
  'context-1m-2025-08-07',
  'context-management-2025-06-27',
  'model-context-window-exceeded-2025-08-26',
  'fast-mode-2026-02-01',
  'output-300k-2026-03-24',
  'thinking-token-count-2026-05-13',
  'compact-2026-01-12',
  'structured-outputs-2025-11-13',
  'task-budgets-2026-03-13',
  'thinking-display-updates-2026-08-18',
  'mid-conversation-output-config-2026-07-01',
  'mid-conversation-system-clear-at-2026-08-21',
  'prompt-caching-2024-07-31',
  'pdfs-2024-09-25',
  'token-efficient-tools-2025-02-19',
  'extended-cache-ttl-2025-04-11',
  // Sent by Claude Code 2.1 but not (yet) in the SDK union.
  'claude-code-20250219',
  'effort-2025-11-24',
  'advanced-tool-use-2025-11-20',
  'per-turn-control-2026-07-01',
]);

/** SDK beta flags deliberately not forwarded (their features are refused or not served here). */
export const DENIED_BETAS: ReadonlySet<string> = new Set([
  'mcp-client-2025-04-04',
  'mcp-client-2025-11-20',
  'mcp-client-2026-09-15',
  'mcp-tunnels-2026-06-22',
  'dev-full-thinking-2025-05-14',
  'user-profiles-2026-03-24',
  'user-profiles-2026-08-18',
  'user-profiles-2026-09-04',
  'user-profiles-billing-2026-10-01',
  'advisor-tool-2026-03-01',
  'managed-agents-2026-04-01',
  'dreaming-2026-04-21',
  'server-side-fallback-2026-06-01',
  'server-side-fallback-2026-07-01',
  'fallback-credit-2026-06-01',
  'fallback-credit-2026-07-01',
  'agent-memory-2026-07-22',
  'mid-conversation-tool-changes-2026-07-01',
  'compact-2026-09-04',
  'thinking-binding-controls-2026-08-01',
  'inline-tools-2026-09-15',
  'ce-plugins-2026-09-01',
  'spend-limit-reads-2026-09-26',
  'telemetry-destinations-2026-08-11',
  'webhooks-2026-10-07',
  'admin-user-sign-out-2026-10-08',
  'message-threads-2026-08-12',
  'analytics-usage-cost-2026-08-24',
  'experimental-claude-tag-2026-10-21',
  'message-batches-2024-09-24',
  'token-counting-2024-11-01',
  'files-api-2025-04-14',
  'skills-2025-10-02',
  'cache-diagnosis-2026-04-07',
  'ce-user-management-2026-07-13',
  'ce-claude-code-managed-settings-2026-10-06',
  'efs-2026-10-01',
  'google-managed-data-controls-2026-09-01',
]);

/** Allowlisted flags in order (deduplicated) and how many were dropped. Flags compare exactly (lower case). */
export function filterBetas(flags: readonly string[]): { kept: string[]; dropped: number } {
  const kept: string[] = [];
  let dropped = 0;
  for (const flag of flags) {
    if (ALLOWED_BETAS.has(flag)) {
      if (!kept.includes(flag)) kept.push(flag);
    } else dropped++;
  }
  return { kept, dropped };
}

/** The field table as a Markdown table (docs/serving.md embeds it; a test keeps the two equal). */
export function fieldTableMarkdown(): string {
  const lines = ['| SDK type | field | rule |', '| --- | --- | --- |'];
  for (const [typeName, row] of Object.entries(FIELD_TABLE)) {
    if (row === 'refused') {
      lines.push(`| \`${typeName}\` | (whole block/tool type) | refused |`);
      continue;
    }
    for (const [field, rule] of Object.entries(row))
      lines.push(`| \`${typeName}\` | \`${field}\` | ${rule} |`);
  }
  return lines.join('\n');
}
