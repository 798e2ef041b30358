import * as z from 'zod';
import { canonicalModel } from '../models/identity';
import { CATEGORIES } from '../types';

/**
 * Regional operator controls (the kill switch), read by every serving instance with a short cache:
 * - `normal`: the policy applies as written;
 * - `fail-closed`: every category's fail mode is forced closed (a failing check blocks);
 * - `block-all`: every inference request is refused with 503 until cleared.
 * `disabledModels` refuses requests for those model ids (403) whatever the mode; `shadowCategories` turns
 * categories to shadow (evaluated and recorded, not enforced) — e.g. while a false-positive storm is fixed.
 */
export const KILL_SWITCH_MODES = ['normal', 'fail-closed', 'block-all'] as const;
export type KillSwitchMode = (typeof KILL_SWITCH_MODES)[number];

export const regionControlsSchema = z.object({
  mode: z.enum(KILL_SWITCH_MODES),
  disabledModels: z.array(z.string().min(1).max(256)).max(256),
  /** Categories an operator switched to shadow in this region (evaluated and recorded, not enforced). */
  shadowCategories: z.array(z.enum(CATEGORIES)).max(CATEGORIES.length).default([]),
  reason: z.string().max(1000).optional(),
  actor: z.string().max(512).optional(),
  updatedAt: z.number().optional(),
});
export type RegionControls = z.infer<typeof regionControlsSchema>;

export const NORMAL_CONTROLS: RegionControls = { mode: 'normal', disabledModels: [], shadowCategories: [] };

/** The item key of the controls in the tenants table (never a valid key hash: those are 64 hex chars). */
export const CONTROLS_KEY = 'control#region';

/**
 * Whether a request for `model` is refused by the controls, and why. Models are compared in canonical form
 * (lambdas/core/models/identity.ts): disabling `demo` also refuses `Demo`, and disabling a Bedrock id also
 * refuses its ARN, inference-profile and Claude API forms.
 */
export function controlRefusal(
  controls: RegionControls,
  model: string | undefined,
): 'kill_switch' | 'model_disabled' | undefined {
  if (controls.mode === 'block-all') return 'kill_switch';
  if (model === undefined || controls.disabledModels.length === 0) return undefined;
  const wanted = canonicalModel(model).model;
  if (controls.disabledModels.some((d) => canonicalModel(d).model === wanted)) return 'model_disabled';
  return undefined;
}
