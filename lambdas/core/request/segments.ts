import type { Segment, TrustBoundary } from '../types';
import { base64Problem } from './base64';
import { formatErrorPath, formatPath, invalid, type PathStep, type RequestError } from './errors';
import { LIMITS } from './limits';
import type { BedrockBodyT, DocumentBlockT, ImageBlockT, MessagesBodyT, MessageT } from './schema';
import { urlProblem } from './url-policy';

/** Collects segments and the first semantic error found while walking a validated body. */
class Collector {
  readonly segments: Segment[] = [];
  error: RequestError | undefined;

  text(trust: TrustBoundary, path: readonly PathStep[], text: string | null | undefined): void {
    if (text === null || text === undefined || text.length === 0) return;
    if (this.segments.length >= LIMITS.maxSegments) {
      this.fail(path, `more than ${LIMITS.maxSegments} text segments in one request`);
      return;
    }
    this.segments.push({ trust, path: formatPath(path), text });
  }

  fail(path: readonly PropertyKey[], message: string): void {
    this.error ??= invalid(formatErrorPath(path), message);
  }
}

/** Every string leaf of a JSON value, with its path, iteratively (depth is already bounded by the pre-scan). */
function stringLeaves(
  value: unknown,
  base: readonly PathStep[],
  visit: (path: PathStep[], s: string) => void,
): void {
  const stack: Array<{ value: unknown; path: PathStep[] }> = [{ value, path: [...base] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const v = item.value;
    if (typeof v === 'string') visit(item.path, v);
    else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...item.path, i] });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i] as [string, unknown];
        stack.push({ value: child, path: [...item.path, k] });
      }
    }
  }
}

function checkImage(c: Collector, block: ImageBlockT, path: readonly PathStep[]): void {
  const s = block.source;
  const problem = s.type === 'base64' ? base64Problem(s.data, s.media_type) : urlProblem(s.url);
  if (problem !== undefined) c.fail([...path, 'source', s.type === 'base64' ? 'data' : 'url'], problem);
}

function collectDocument(c: Collector, block: DocumentBlockT, path: readonly PathStep[]): void {
  const s = block.source;
  const src = [...path, 'source'];
  if (s.type === 'base64') {
    const problem = base64Problem(s.data, s.media_type);
    if (problem !== undefined) c.fail([...src, 'data'], problem);
  } else if (s.type === 'url') {
    const problem = urlProblem(s.url);
    if (problem !== undefined) c.fail([...src, 'url'], problem);
  } else if (s.type === 'text') {
    c.text('document', [...src, 'data'], s.data);
  } else if (typeof s.content === 'string') {
    c.text('document', [...src, 'content'], s.content);
  } else {
    s.content.forEach((b, i) => {
      if (b.type === 'text') c.text('document', [...src, 'content', i, 'text'], b.text);
      else checkImage(c, b, [...src, 'content', i]);
    });
  }
  c.text('document', [...path, 'title'], block.title);
  c.text('document', [...path, 'context'], block.context);
}

function collectMessage(c: Collector, m: MessageT, index: number): void {
  const trust: TrustBoundary = m.role === 'user' ? 'user' : 'assistant';
  const base: PathStep[] = ['messages', index, 'content'];
  if (typeof m.content === 'string') {
    c.text(trust, base, m.content);
    return;
  }
  m.content.forEach((block, i) => {
    const path = [...base, i];
    switch (block.type) {
      case 'text':
        c.text(trust, [...path, 'text'], block.text);
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
            if (b.type === 'text') c.text('tool_result', [...p, 'text'], b.text);
            else if (b.type === 'image') checkImage(c, b, p);
            else collectDocument(c, b, p);
          });
        break;
      case 'tool_use':
        stringLeaves(block.input, [...path, 'input'], (p, s) => c.text('tool_use', p, s));
        break;
      case 'thinking':
        c.text('assistant', [...path, 'thinking'], block.thinking);
        break;
      case 'redacted_thinking':
        break;
    }
  });
}

/**
 * Walks a schema-valid body in document order — system, tool definitions, messages — and returns its
 * text segments labelled by trust boundary, or the first semantic error (first message not from the
 * user, bad base64, forbidden URL, too many segments).
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
      c.text('system', ['system', i, 'text'], b.text);
    });

  body.tools?.forEach((tool, i) => {
    if ('description' in tool && typeof tool.description === 'string') {
      c.text('system', ['tools', i, 'description'], tool.description);
    }
    if ('input_schema' in tool) {
      stringLeaves(tool.input_schema, ['tools', i, 'input_schema'], (p, s) => {
        if (p[p.length - 1] === 'description') c.text('system', p, s);
      });
    }
  });

  body.messages.forEach((m, i) => {
    collectMessage(c, m, i);
  });
  return c.error === undefined ? { segments: c.segments } : { error: c.error };
}
