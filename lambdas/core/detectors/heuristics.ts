/**
 * Jailbreak and prompt-injection heuristics. Rules are linear-time regexes over a view's text
 * (canonical views are lowercase with collapsed whitespace) or over the raw text (line-anchored
 * role markers). Scores are base confidences; the tier-0 runner scales them by trust boundary.
 */
import type { Category } from '../types';

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
}

const GAP = '[^.!?\\n]{0,40}?';

/** The built-in rules. */
export const HEURISTIC_RULES: readonly HeuristicRule[] = [
  {
    id: 'ignore-instructions',
    category: 'injection',
    score: 0.9,
    on: 'view',
    regex: new RegExp(
      `\\b(?:ignore|disregard|forget|overlook|override|bypass|abandon|drop|skip)\\b${GAP}\\b(?:previous|prior|above|earlier|preceding|foregoing|former|past|all|any|every|your|the|these|those|initial|original|system)\\b${GAP}\\b(?:instructions?|prompts?|rules|directions|directives|guidelines|commands|guidance|context|constraints|programming|orders|restrictions)\\b`,
      'g',
    ),
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
    score: 0.85,
    on: 'raw',
    regex:
      /<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id|eot_id)\|>|\[\/?INST\]|<<\/?SYS>>|(?:^|\n)[ \t]*#{2,4}[ \t]*(?:system|instruction|instructions|response|assistant)[ \t]*:?[ \t]*(?=\n)|\n\n(?:Human|Assistant|System|H|A)[ \t]*:|(?:^|\n)[ \t]*(?:system|assistant)[ \t]*:[ \t]/gi,
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

/** Characters that are neither letters, digits, whitespace nor everyday punctuation. */
function isOddSymbol(c: number): boolean {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return false;
  if (c === 32 || c === 10 || c === 9 || c === 13) return false;
  // . , ? ! ' " : ; - are everyday punctuation
  return (
    !(
      c === 46 ||
      c === 44 ||
      c === 63 ||
      c === 33 ||
      c === 39 ||
      c === 34 ||
      c === 58 ||
      c === 59 ||
      c === 45
    ) && c < 128
  );
}

/**
 * Score in [0, 1] for a GCG-style adversarial suffix: an unusually dense tail of odd ASCII symbols
 * and tokens with inner case changes, after ordinary prose. 0 when the text is short or plain.
 */
export function gibberishSuffixScore(raw: string): number {
  if (raw.length < 60) return 0;
  const tail = raw.slice(-160);
  const head = raw.slice(0, Math.max(0, raw.length - 160));
  let odd = 0;
  let innerCaps = 0;
  for (let i = 0; i < tail.length; i++) {
    const c = tail.charCodeAt(i);
    if (isOddSymbol(c)) odd++;
    // lowercase letter directly followed by uppercase letter: "similarlyNow", "oppositeley.]( Me"
    if (c >= 65 && c <= 90 && i > 0) {
      const p = tail.charCodeAt(i - 1);
      if (p >= 97 && p <= 122) innerCaps++;
    }
  }
  let headOdd = 0;
  for (let i = 0; i < head.length; i++) if (isOddSymbol(head.charCodeAt(i))) headOdd++;
  const tailDensity = odd / tail.length;
  const headDensity = head.length > 0 ? headOdd / head.length : 0;
  // Code and markup are symbol-dense throughout; a suffix attack is dense only at the end.
  const contrast = tailDensity - headDensity;
  const signal = contrast * 6 + Math.min(innerCaps, 6) * 0.08;
  if (tailDensity < 0.06 || signal < 0.45) return 0;
  return Math.min(0.9, signal);
}
