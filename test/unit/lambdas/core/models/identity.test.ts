import { MODELS } from '../../../../../config/models';
import { controlRefusal, NORMAL_CONTROLS } from '../../../../../lambdas/core/enforcement/controls';
import { canonicalModel, ModelAllowlist, sameModel } from '../../../../../lambdas/core/models/identity';

describe('canonicalModel', () => {
  test.each([
    ['demo', 'demo', null],
    ['Demo', 'demo', null],
    ['  DEMO ', 'demo', null],
    ['claude-haiku-4-5', 'claude-haiku-4-5-20251001', null],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5-20251001', null],
    ['anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001', null],
    ['ANTHROPIC.CLAUDE-HAIKU-4-5-20251001-V1:0', 'claude-haiku-4-5-20251001', null],
    ['eu.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001', 'eu'],
    ['global.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001', 'global'],
    ['us-gov.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001', 'us-gov'],
    ['claude-haiku-4-5@20251001', 'claude-haiku-4-5-20251001', null],
    ['anthropic.claude-opus-4-6-v1', 'claude-opus-4-6', null],
    ['anthropic.claude-sonnet-4-6', 'claude-sonnet-4-6', null],
    ['apac.anthropic.claude-sonnet-4-6', 'claude-sonnet-4-6', 'apac'],
    ['anthropic.claude-3-sonnet-20240229-v1:0:200k', 'claude-3-sonnet-20240229', null],
    ['anthropic.m-v1:0', 'm', null],
  ])('%s → %s (scope %s)', (raw, model, scope) => {
    const id = canonicalModel(raw);
    expect(id.model).toBe(model);
    expect(id.scope).toBe(scope);
  });

  test('ARN forms of foundation models and system inference profiles name the model and keep the region', () => {
    const fm = canonicalModel('arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-6');
    expect(fm).toMatchObject({ model: 'claude-sonnet-4-6', scope: null, arnRegion: 'eu-west-1' });
    const ip = canonicalModel(
      'arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu.anthropic.claude-sonnet-4-6',
    );
    expect(ip).toMatchObject({ model: 'claude-sonnet-4-6', scope: 'eu', arnRegion: 'eu-west-1' });
    const gov = canonicalModel('arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/anthropic.m-v1:0');
    expect(gov).toMatchObject({ model: 'm', arnRegion: 'us-gov-west-1' });
  });

  test('an application inference profile ARN is opaque: it only matches itself', () => {
    const arn = 'arn:aws:bedrock:eu-west-1:111111111111:application-inference-profile/a1b2c3';
    expect(canonicalModel(arn).model).toBe(arn);
    expect(canonicalModel(arn.toUpperCase().replace('ARN:AWS', 'arn:aws')).model).toBe(arn);
    expect(sameModel(arn, 'claude-sonnet-4-6')).toBe(false);
  });

  test('paths and look-alikes stay distinct names', () => {
    expect(canonicalModel('../../admin/models/internal').model).toBe('../../admin/models/internal');
    expect(sameModel('claude-sonnet-4-6x', 'claude-sonnet-4-6')).toBe(false);
    expect(sameModel('xanthropic.claude-sonnet-4-6', 'claude-sonnet-4-6')).toBe(false);
  });

  test('every form in the reviewed table canonicalizes to its own row', () => {
    for (const m of MODELS) {
      for (const form of [m.id, ...m.aliases, ...(m.bedrockId ? [m.bedrockId] : [])]) {
        expect(canonicalModel(form).model).toBe(m.id);
        expect(canonicalModel(form).entry).toBe(m);
      }
    }
  });
});

describe('kill switch and model disable on canonical ids', () => {
  const disabled = (...ids: string[]) => ({ ...NORMAL_CONTROLS, disabledModels: ids });

  test('after disabling demo, every case and form of demo is refused', () => {
    for (const m of ['demo', 'Demo', 'DEMO', 'anthropic.demo-v1:0', 'eu.anthropic.demo']) {
      expect(controlRefusal(disabled('demo'), m)).toBe('model_disabled');
    }
    expect(controlRefusal(disabled('demo'), 'demo2')).toBeUndefined();
  });

  test('disabling a Bedrock id refuses its ARN, inference-profile and Claude API forms', () => {
    const c = disabled('anthropic.claude-haiku-4-5-20251001-v1:0');
    for (const m of [
      'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      'global.anthropic.claude-haiku-4-5-20251001-v1:0',
      'claude-haiku-4-5',
      'Claude-Haiku-4-5-20251001',
    ]) {
      expect(controlRefusal(c, m)).toBe('model_disabled');
    }
  });
});

describe('ModelAllowlist', () => {
  const eu = new ModelAllowlist(['eu.anthropic.claude-sonnet-4-6'], 'eu-west-1');

  test('the configured model is allowed in every form of its zone and forwarded as configured', () => {
    for (const m of [
      'claude-sonnet-4-6',
      'Claude-Sonnet-4-6',
      'anthropic.claude-sonnet-4-6',
      'eu.anthropic.claude-sonnet-4-6',
      'arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu.anthropic.claude-sonnet-4-6',
    ]) {
      expect(eu.resolve(m)).toEqual({
        ok: true,
        model: 'claude-sonnet-4-6',
        forward: 'eu.anthropic.claude-sonnet-4-6',
      });
    }
  });

  test('other models, other scopes and other regions are not allowed', () => {
    for (const m of [
      '../../admin/models/internal',
      'global.anthropic.claude-sonnet-4-6',
      'us.anthropic.claude-sonnet-4-6',
      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6',
      'arn:aws:bedrock:us-east-1:111111111111:inference-profile/eu.anthropic.claude-sonnet-4-6',
      'claude-opus-4-6',
      'demo',
    ]) {
      expect(eu.resolve(m)).toEqual({ ok: false });
    }
  });

  test('documented aliases of the configured model are allowed', () => {
    const a = new ModelAllowlist(['anthropic.claude-haiku-4-5-20251001-v1:0']);
    expect(a.resolve('claude-haiku-4-5')).toMatchObject({ ok: true, model: 'claude-haiku-4-5-20251001' });
    expect(a.resolve('claude-haiku-4-5@20251001')).toMatchObject({ ok: true });
  });

  test('fails when built without a model', () => {
    expect(() => new ModelAllowlist([])).toThrow('at least one model');
  });
});
