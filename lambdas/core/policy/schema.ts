import * as z from 'zod';
import { CATEGORIES } from '../types';

const unit = z.number().min(0).max(1);

/**
 * A detector reference: an exact check id (`tier1`, `tier2`, `tier0.pii.email`) or a prefix ending in
 * `.*` (`tier0.pii.*`) that matches every check id below it.
 */
const detectorId = z
  .string()
  .regex(
    /^(tier0|tier1|tier2)(\.[a-z0-9-]+)*(\.\*)?$/,
    'expected a check id like tier1, tier2 or tier0.pii.*',
  );

/**
 * A detector with its own operating point: `threshold` overrides the category's for this detector;
 * `"model"` takes the tier-1 model's recommended threshold for the category (chosen on training
 * folds, shipped in the model artifact), so a retrained model brings its calibrated operating point.
 */
const detectorWithThreshold = z.strictObject({
  id: detectorId,
  threshold: z.union([unit, z.literal('model')]),
});

const detectorRef = z.union([detectorId, detectorWithThreshold]);
export type DetectorRef = z.infer<typeof detectorRef>;

export const categoryPolicySchema = z.strictObject({
  /** Checks whose scores feed this category; the category score is their maximum. */
  detectors: z.array(detectorRef).min(1),
  /** Score at or above which the category's action applies. */
  threshold: unit,
  action: z.enum(['allow', 'flag', 'redact', 'block']),
  /** What applies when a check feeding this category fails or times out. */
  failMode: z.enum(['open', 'closed']),
  /** Evaluate and record, but do not enforce. */
  shadow: z.boolean().default(false),
});

export const tier2PolicySchema = z
  .strictObject({
    mode: z.enum(['always', 'cascade', 'never']),
    /**
     * Tier-1 decision scores inside [low, high) are "uncertain" and escalate in cascade mode. Decision
     * scores place tier 1's threshold at 0.5, so a band straddling 0.5 surrounds the operating point.
     * The default policy's band is the one `npm run train:tier2` chose on the train split (it writes it).
     */
    band: z.tuple([unit, unit]),
    deadlineMs: z.number().int().min(1).max(10_000),
    /** Categories tier 2 scores. */
    categories: z.array(z.enum(CATEGORIES)).min(1),
  })
  .refine((t) => t.band[0] < t.band[1], { message: 'band[0] must be below band[1]', path: ['band'] });

export const outputPolicySchema = z.strictObject({
  /** Characters held back behind the classified point of a stream. */
  holdbackChars: z.number().int().min(0).max(65_536),
  /** Characters per classified window. */
  windowChars: z.number().int().min(16).max(65_536),
  /** Categories checked on model output. */
  categories: z.array(z.enum(CATEGORIES)).min(1),
  /**
   * Exchange checks: each output check (whole completion or stream window) is judged together with the
   * request it answers. Absent: the output is judged alone and never escalated to tier 2.
   */
  exchange: z
    .strictObject({
      /** Characters of the request (its end) read with the output; 0 judges the output alone. */
      promptChars: z.number().int().min(0).max(65_536),
      /**
       * Tier 1 also scores the request's end followed by the output, and that score decides like any
       * tier-1 score. Off: tier 1 judges the output alone and only tier 2 reads the exchange.
       */
      tier1: z.boolean(),
      /** Escalate uncertain output checks to tier 2 (the band), sending the request as `prompt`. */
      tier2: z.boolean(),
    })
    .optional(),
});

const operatorThreshold = z.union([unit, z.literal('model')]);

/**
 * How tier 1 reads operator text and agent-harness blocks (docs/normalization.md, "Trust boundaries").
 * Operator text is judged instruction by instruction; injection is not scored there.
 */
export const operatorPolicySchema = z.strictObject({
  /** Tier-1 thresholds for operator text; `"model"` takes the model's recommended threshold. */
  tier1: z.strictObject({ harmful: operatorThreshold, jailbreak: operatorThreshold }),
  /**
   * Tag names of harness markup: a user content block that is exactly one `<tag>…</tag>` element has its
   * jailbreak and injection scores judged per instruction and is not joined with the user's other blocks.
   */
  harnessMarkup: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a lower-case tag name')).max(8),
});

export const policySchema = z
  .strictObject({
    schema: z.literal('csp.policy/v1'),
    name: z.string().min(1).max(64),
    description: z.string().max(2000).optional(),
    categories: z.partialRecord(z.enum(CATEGORIES), categoryPolicySchema),
    tier2: tier2PolicySchema,
    output: outputPolicySchema,
    operator: operatorPolicySchema.default({
      tier1: { harmful: 'model', jailbreak: 'model' },
      harnessMarkup: [],
    }),
  })
  .superRefine((p, ctx) => {
    if (Object.keys(p.categories).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['categories'], message: 'at least one category is required' });
    }
    for (const cat of p.tier2.categories) {
      if (!p.categories[cat]) {
        ctx.addIssue({
          code: 'custom',
          path: ['tier2', 'categories'],
          message: `category '${cat}' is not configured under categories`,
        });
      }
    }
    for (const [cat, c] of Object.entries(p.categories)) {
      if (c?.action === 'redact' && cat !== 'pii' && cat !== 'secrets') {
        ctx.addIssue({
          code: 'custom',
          path: ['categories', cat, 'action'],
          message: 'redact applies only to span detectors (pii, secrets)',
        });
      }
    }
  });

export type PolicyDocument = z.infer<typeof policySchema>;
export type CategoryPolicy = z.infer<typeof categoryPolicySchema>;
export type Tier2Policy = z.infer<typeof tier2PolicySchema>;
export type OperatorPolicy = z.infer<typeof operatorPolicySchema>;
