import type { Segment, TrustBoundary } from '../types';
import { base64Problem } from './base64';
import { formatErrorPath, formatPath, invalid, type PathStep, type RequestError } from './errors';
import { LIMITS } from './limits';
import type {
  BedrockBodyT,
  DocumentBlockT,
  ImageBlockT,
  MessagesBodyT,
  MessageT,
  TextBlockT,
  ToolT,
} from './schema';
import { urlProblem } from './url-policy';

/**
 * Suffix of a segment path whose text is an object KEY (the last step of the path before the suffix),
 * not a value: in free-form JSON (tool schemas, tool inputs) keys are text the model reads too.
 */
export const KEY_SEGMENT_SUFFIX = '#key';

/** Collects segments and the first semantic error found while walking a validated body. */
class Collector {
  readonly segments: Segment[] = [];
  error: RequestError | undefined;

  text(trust: TrustBoundary, path: readonly PathStep[], text: string | null | undefined, suffix = ''): void {
    if (text === null || text === undefined || text.length === 0) return;
    if (this.segments.length >= LIMITS.maxSegments) {
      this.fail(path, `more than ${LIMITS.maxSegments} text segments in one request`);
      return;
    }
    this.segments.push({ trust, path: formatPath(path) + suffix, text });
  }

  fail(path: readonly PropertyKey[], message: string): void {
    this.error ??= invalid(formatErrorPath(path), message);
  }
}

/**
 * Every key and string leaf of a free-form JSON value (tool schemas, tool inputs, examples) as a
 * segment, in document order (a key before its value), iteratively: depth is already bounded by the
 * pre-scan. Numbers, booleans and null carry no text.
 */
function jsonText(c: Collector, trust: TrustBoundary, value: unknown, base: readonly PathStep[]): void {
  type Item = { value: unknown; path: PathStep[]; key?: string };
  const stack: Item[] = [{ value, path: [...base] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.key !== undefined) {
      c.text(trust, item.path, item.key, KEY_SEGMENT_SUFFIX);
      continue;
    }
    const v = item.value;
    if (typeof v === 'string') c.text(trust, item.path, v);
    else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...item.path, i] });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i] as [string, unknown];
        const path = [...item.path, k];
        stack.push({ value: child, path });
        stack.push({ value: undefined, path, key: k });
      }
    }
  }
}

/** A URL source: checked by the URL policy, and its text is a segment too (a path can carry words). */
function checkUrl(c: Collector, url: string, path: readonly PathStep[]): void {
  const problem = urlProblem(url);
  if (problem !== undefined) c.fail(path, problem);
  else c.text('document', path, url);
}

function checkImage(c: Collector, block: ImageBlockT, path: readonly PathStep[]): void {
  const s = block.source;
  if (s.type === 'url') {
    checkUrl(c, s.url, [...path, 'source', 'url']);
    return;
  }
  const problem = base64Problem(s.data, s.media_type);
  if (problem !== undefined) c.fail([...path, 'source', 'data'], problem);
}

/** A text block: its text under `trust`, and the quoted text of its citations as document text. */
function collectText(c: Collector, trust: TrustBoundary, block: TextBlockT, path: readonly PathStep[]): void {
  c.text(trust, [...path, 'text'], block.text);
  block.citations?.forEach((citation, i) => {
    const p = [...path, 'citations', i];
    c.text('document', [...p, 'cited_text'], citation.cited_text);
    switch (citation.type) {
      case 'char_location':
      case 'page_location':
      case 'content_block_location':
        c.text('document', [...p, 'document_title'], citation.document_title);
        break;
      case 'web_search_result_location':
        c.text('document', [...p, 'title'], citation.title);
        c.text('document', [...p, 'url'], citation.url);
        break;
      case 'search_result_location':
        c.text('document', [...p, 'source'], citation.source);
        c.text('document', [...p, 'title'], citation.title);
        break;
    }
  });
}

function collectDocument(c: Collector, block: DocumentBlockT, path: readonly PathStep[]): void {
  const s = block.source;
  const src = [...path, 'source'];
  if (s.type === 'base64') {
    const problem = base64Problem(s.data, s.media_type);
    if (problem !== undefined) c.fail([...src, 'data'], problem);
  } else if (s.type === 'url') {
    checkUrl(c, s.url, [...src, 'url']);
  } else if (s.type === 'text') {
    c.text('document', [...src, 'data'], s.data);
  } else if (typeof s.content === 'string') {
    c.text('document', [...src, 'content'], s.content);
  } else {
    s.content.forEach((b, i) => {
      if (b.type === 'text') collectText(c, 'document', b, [...src, 'content', i]);
      else checkImage(c, b, [...src, 'content', i]);
    });
  }
  c.text('document', [...path, 'title'], block.title);
  c.text('document', [...path, 'context'], block.context);
}

const ROLE_TRUST: Readonly<Record<MessageT['role'], TrustBoundary>> = {
  user: 'user',
  assistant: 'assistant',
  system: 'system',
};

function collectMessage(c: Collector, m: MessageT, index: number): void {
  const trust = ROLE_TRUST[m.role];
  const base: PathStep[] = ['messages', index, 'content'];
  if (m.content === undefined) return;
  if (typeof m.content === 'string') {
    c.text(trust, base, m.content);
    return;
  }
  m.content.forEach((block, i) => {
    const path = [...base, i];
    switch (block.type) {
      case 'text':
        collectText(c, trust, block, path);
        break;
      case 'image':
        checkImage(c, block, path);
        break;
      case 'document':
        collectDocument(c, block, path);
        break;
      case 'tool_result':
        if (typeof block.content === 'string') c.text('tool_result', [...path, 'content'], block.content);
        else
          block.content?.forEach((b, j) => {
            const p = [...path, 'content', j];
            if (b.type === 'text') collectText(c, 'tool_result', b, p);
            else if (b.type === 'image') checkImage(c, b, p);
            else if (b.type === 'document') collectDocument(c, b, p);
            // tool_reference: only a tool name (validated), no text.
          });
        break;
      case 'tool_use':
        jsonText(c, 'tool_use', block.input, [...path, 'input']);
        break;
      case 'thinking':
        c.text('assistant', [...path, 'thinking'], block.thinking);
        break;
      case 'redacted_thinking':
        break;
    }
  });
}

/** A tool definition: description, schema, examples (and a web search's location) are text the model reads. */
function collectTool(c: Collector, tool: ToolT, i: number): void {
  const base = ['tools', i];
  if ('description' in tool) c.text('system', [...base, 'description'], tool.description);
  if ('input_schema' in tool) jsonText(c, 'system', tool.input_schema, [...base, 'input_schema']);
  if ('input_examples' in tool) jsonText(c, 'system', tool.input_examples, [...base, 'input_examples']);
  if ('user_location' in tool && tool.user_location) {
    const l = tool.user_location;
    const p = [...base, 'user_location'];
    c.text('user', [...p, 'city'], l.city);
    c.text('user', [...p, 'region'], l.region);
    c.text('user', [...p, 'country'], l.country);
    c.text('user', [...p, 'timezone'], l.timezone);
  }
}

/**
 * Walks a schema-valid body in document order — system, tool definitions, stop sequences, output
 * schemas, context-management instructions, messages — and returns its text segments labelled by
 * trust boundary, or the first semantic error (first message not from the user, bad base64, forbidden
 * URL, too many segments). Every string the schema accepts as free text is collected here; the other
 * strings are ids, enums, opaque tokens or URLs the schema constrains (see fields.ts).
 */
export function collectSegments(
  body: MessagesBodyT | BedrockBodyT,
): { segments: Segment[] } | { error: RequestError } {
  const c = new Collector();
  const first = body.messages[0];
  if (first !== undefined && first.role !== 'user')
    c.fail(['messages', 0, 'role'], 'the first message must have role "user"');

  if (typeof body.system === 'string') c.text('system', ['system'], body.system);
  else
    body.system?.forEach((b, i) => {
      collectText(c, 'system', b, ['system', i]);
    });

  body.tools?.forEach((tool, i) => {
    collectTool(c, tool, i);
  });

  body.stop_sequences?.forEach((s, i) => {
    c.text('user', ['stop_sequences', i], s);
  });
  // Not shown to the model, but forwarded: checked like user text (an id can spell words, or an e-mail).
  c.text('user', ['metadata', 'user_id'], body.metadata?.user_id);
  if (body.output_config?.format)
    jsonText(c, 'system', body.output_config.format.schema, ['output_config', 'format', 'schema']);
  if (body.output_format) jsonText(c, 'system', body.output_format.schema, ['output_format', 'schema']);
  body.context_management?.edits?.forEach((edit, i) => {
    if (edit.type === 'compact_20260112')
      c.text('system', ['context_management', 'edits', i, 'instructions'], edit.instructions);
  });

  body.messages.forEach((m, i) => {
    collectMessage(c, m, i);
  });
  return c.error === undefined ? { segments: c.segments } : { error: c.error };
}
