/**
 * Jailbreak and prompt-injection heuristics. Rules are linear-time regexes over a view's text
 * (canonical views are lowercase with collapsed whitespace) or over the raw text (line-anchored
 * role markers). Scores are base confidences; the tier-0 runner scales them by trust boundary.
 */

import { maskEncodedRuns } from '../normalize/encoded';
import { isTokenGap, TokenKind, tokenKind } from '../normalize/suffix';
import { blankSpans, type Span } from '../normalize/text';
import type { Category } from '../types';

/** Encoded runs at least this long are masked before the suffix heuristic looks at a text. */
const ENCODED_RUN_MIN = 24;

/** One heuristic rule. */
export interface HeuristicRule {
  /** Detector id suffix: `tier0.heuristic.<id>`. */
  readonly id: string;
  readonly category: Extract<Category, 'jailbreak' | 'injection'>;
  /** Base confidence in [0, 1]. */
  readonly score: number;
  /** Global regex; must be linear-time. */
  readonly regex: RegExp;
  /** `view`: lowercase normalized views; `raw`: the segment's raw text (offsets usable as spans). */
  readonly on: 'view' | 'raw';
  /**
   * Further patterns that must follow the anchor match, in order, within `within` code units and
   * inside the same sentence (no `.`, `!`, `?` or newline in between).
   */
  readonly followedBy?: { readonly within: number; readonly patterns: readonly RegExp[] };
}

/** End of a sentence, for {@link HeuristicRule.followedBy}. */
export const SENTENCE_END = /[.!?\n]/;

/**
 * The next match of global regex `re` in `text` from `re.lastIndex`, as `String.prototype.matchAll`
 * iterates (an empty match advances by one code unit, or code point with the `u` or `v` flag), without
 * the regex copy and iterator `matchAll` makes on every call. Callers set `re.lastIndex = 0` first; the
 * scan is synchronous, so sharing the regex object is safe.
 */
export function nextMatch(re: RegExp, text: string): RegExpExecArray | null {
  const m = re.exec(text);
  if (m !== null && m[0].length === 0) {
    const i = re.lastIndex;
    const wide =
      (re.unicode || re.flags.includes('v')) && i < text.length && (text.codePointAt(i) ?? 0) > 0xffff;
    re.lastIndex = i + (wide ? 2 : 1);
  }
  return m;
}

/**
 * First match of `rule` in `text` as `[start, end)`, or undefined. Linear: the anchor regex is scanned
 * once and each anchor hit checks at most `followedBy.within` code units.
 */
export function matchRule(rule: HeuristicRule, text: string): readonly [number, number] | undefined {
  const re = rule.regex;
  re.lastIndex = 0;
  for (let m = nextMatch(re, text); m !== null; m = nextMatch(re, text)) {
    const start = m.index;
    const anchorEnd = start + m[0].length;
    if (!rule.followedBy) return [start, anchorEnd];
    let slice = text.slice(anchorEnd, anchorEnd + rule.followedBy.within);
    const stop = SENTENCE_END.exec(slice);
    if (stop) slice = slice.slice(0, stop.index);
    let offset = 0;
    let ok = true;
    for (const p of rule.followedBy.patterns) {
      const hit = p.exec(slice.slice(offset));
      if (!hit) {
        ok = false;
        break;
      }
      offset += hit.index + hit[0].length;
    }
    if (ok) return [start, anchorEnd + offset];
  }
  return undefined;
}

/**
 * The verb of an "ignore previous instructions" family; the rest of the phrase is checked by
 * {@link HeuristicRule.followedBy} on a bounded slice, which keeps every regex trivially linear.
 */
const IGNORE_VERB = /\b(?:ignore|disregard|forget|overlook|override|bypass|abandon|drop|skip)\b/g;

/** The built-in rules. */
export const HEURISTIC_RULES: readonly HeuristicRule[] = [
  {
    id: 'ignore-instructions',
    category: 'injection',
    score: 0.9,
    on: 'view',
    regex: IGNORE_VERB,
    followedBy: {
      within: 80,
      patterns: [
        /\b(?:previous|prior|above|earlier|preceding|foregoing|former|past|all|any|every|your|the|these|those|initial|original|system|everything)\b/,
        /\b(?:instructions?|prompts?|rules|directions|directives|guidelines|commands|guidance|context|constraints|programming|orders|restrictions|told|said)\b/,
      ],
    },
  },
  {
    id: 'new-instructions',
    category: 'injection',
    score: 0.7,
    on: 'view',
    regex:
      /\b(?:new|updated|real|actual|revised) (?:instructions?|task|objective|directive|system prompt)\s?:|\byour (?:new|real|actual|only) (?:task|goal|job|purpose|instructions?) (?:is|are)\b|\binstead,? (?:just )?(?:say|print|output|respond with|reply with|write)\b/g,
  },
  {
    id: 'prompt-extraction',
    category: 'injection',
    score: 0.85,
    on: 'view',
    regex:
      /\b(?:repeat|recite|print|output|reveal|show|display|echo|tell me|give me|share|leak|dump|spell out|list|write out|translate)\b(?: me)?(?: back)?(?: all)? (?:of )?(?:your|the|my|its|these|those) (?:entire |full |complete |exact |original |initial |hidden |secret |previous |above )?(?:system prompt|system message|initial prompt|prompt|instructions|initialization|pre-?prompt|words above|text above|system instructions|rules you were given)\b|\bwhat (?:is|are|was|were) (?:your|the) (?:system prompt|initial prompt|instructions|original instructions|hidden instructions|rules)\b|\b(?:repeat|print|output) (?:the |all )?(?:words|text|everything|sentences?) (?:above|before this|prior)\b|\bthe system prompt is\b|\binitiali[sz]ation string\b|\bbeginning with "?you are\b/g,
  },
  {
    id: 'role-spoof',
    category: 'injection',
    // A signal, not a verdict, in the user's own text (0.55 × 0.85 = 0.47 < 0.5): the spoofed turn is
    // judged by what it instructs (the residual view without the markers is scored). In a tool result or
    // a document (weight 1.0) chat-template markup is itself an attack on the conversation structure
    // and is refused (docs/normalization.md).
    score: 0.55,
    on: 'raw',
    regex:
      /<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id|eot_id)\|>|\[\/?INST\]|<<\/?SYS>>|(?:^|\n)[ \t]*#{2,4}[ \t]*(?:system|instructions?|response|assistant)[ \t]*:|\n\n(?:Human|Assistant|System|H|A)[ \t]*:|(?:^|\n)[ \t]*(?:system|assistant)[ \t]*:[ \t]/gi,
  },
  {
    // Sending the machine's credentials to a web address: what an injection in a coding agent's context
    // asks for, whatever voice it is written in. A public key (`.pub`) is not a credential. The address is
    // looked for after the credential within the sentence (dots inside paths and addresses do not end it).
    id: 'credential-exfiltration',
    category: 'injection',
    score: 0.85,
    on: 'raw',
    regex:
      /\b(?:send|sends|sending|upload|post|exfiltrate|transmit|forward|leak|curl|scp|rsync|wget)\b[^!?\n]{0,80}?(?:\.ssh\b(?!\/[\w-]{1,40}\.pub\b)|\bid_(?:rsa|ed25519|ecdsa|dsa)\b(?!\.pub)|\.aws\/credentials\b|\.netrc\b|\.git-credentials\b)[^!?\n]{0,80}?(?:https?:\/\/|\bwebhook\b)/gi,
  },
  {
    id: 'persona',
    category: 'jailbreak',
    score: 0.85,
    on: 'view',
    regex:
      /\bdo anything now\b|\b(?:developer|dev|god|debug|unrestricted|jailbreak|jailbroken|evil|opposite|chaos|sudo|admin|override) mode\b|\bjailbr(?:eak|oken)\b|\bno longer (?:bound|restricted|limited|constrained) by\b|\b(?:free|freed|liberated|released) from (?:the |all |any )?(?:typical |usual |its |your )?(?:confines|restrictions|rules|limitations|constraints|shackles|policies)\b|\bstay in character\b|\b(?:break|breaking) character\b|\bmachiavellian\b|\bunfiltered\b|\buncensored\b|\bamoral\b|\bwithout any (?:moral|ethical|content|safety) (?:restrictions|limits|filters|guidelines|considerations)\b|\bno (?:ethical|moral|content) (?:guidelines|restrictions|constraints|boundaries|limits|filters|principles)\b|\b(?:openai|anthropic|content|safety) (?:policy|policies|guidelines|filters?)\b[^.\n]{0,30}?\b(?:ignore|bypass|disregard|don'?t apply|do not apply|no longer apply)|\b(?:ignore|bypass|disregard) (?:the |all |your |any )?(?:openai|anthropic|content|safety) (?:policy|policies|guidelines|filters?)\b|\bnever refuses?\b|\bwill never refuse\b|\bdoes not (?:care about|follow|abide by|have) (?:any )?(?:ethics|rules|guidelines|restrictions|morals)\b|\b(?:pretend|act as if|imagine) (?:that )?you (?:are|have) (?:no|an? (?:evil|unrestricted|unfiltered))\b/g,
  },
];

/**
 * Share of whitespace-separated tokens that look machine-made: letters mixed with odd symbols, inner capitals, symbol
 * runs. With `eitherWay` (the text holds words spelled backwards), a token whose only oddity is a capital after a
 * lowercase letter with none before a lowercase one is not machine-made when it looks like a capitalized word turned
 * round ({@link looksTurnedRound}: `saH`, `s'eiruC`, `ainaleM`); decided per token, so words spelled backwards next to a
 * suffix do not excuse the suffix's own tokens (`tutorialIDE`, `stepsNOW`, `manualX`). A capital both after and
 * before a lowercase letter (`similarlyNow`) counts either way.
 */
function weirdTokenRatio(text: string, eitherWay = false): number {
  let tokens = 0;
  let weird = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isTokenGap(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isTokenGap(text.charCodeAt(i))) i++;
    if (start === i) break;
    const kind = tokenKind(text, start, i, eitherWay);
    if (kind !== TokenKind.Other) tokens++;
    if (kind === TokenKind.MachineMade) weird++;
  }
  return tokens === 0 ? 0 : weird / tokens;
}

/**
 * Score in [0, 1] for a GCG-style adversarial suffix: a tail dense in machine-made tokens
 * ("similarlyNow", "]$.", "{@") after a head of ordinary prose. Code and maths are dense
 * throughout, so the head must be plain. 0 when the text is short or plain. `reversedWords`: the text
 * holds words spelled backwards, so a token that looks like a word turned round is not machine-made ({@link weirdTokenRatio}).
 */
export function gibberishSuffixScore(
  input: string,
  decoded: readonly Span[] = [],
  reversedWords = false,
): number {
  // An encoded blob (base64, hex, and whatever the normalizer decoded: URL escapes, HTML entities,
  // ASCII85, uuencode…) is not a suffix attack: its content is judged through the decoded views.
  const raw = maskEncodedRuns(decoded.length > 0 ? blankSpans(input, decoded) : input, ENCODED_RUN_MIN);
  if (raw.length < 80) return 0;
  const split = Math.max(raw.length - 200, Math.floor(raw.length * 0.45));
  const tailText = raw.slice(split);
  // Suffix attacks are one line; code, tables and lists are not.
  if (tailText.includes('\n')) return 0;
  const tail = weirdTokenRatio(tailText, reversedWords);
  if (tail < 0.3) return 0;
  const head = weirdTokenRatio(raw.slice(0, split), reversedWords);
  if (head > 0.12) return 0;
  return Math.min(0.85, 0.45 + (tail - head));
}
