import { OutputMonitor } from '../../../../../lambdas/core/engine/output';
import { engineWith } from './fakes';

const monitor = (holdbackChars = 20, windowChars = 50) => {
  const engine = engineWith({});
  return new OutputMonitor({
    holdbackChars,
    windowChars,
    check: (t) => engine.evaluateOutput(t),
    now: () => performance.now(),
  });
};

describe('output monitor', () => {
  test('releases all benign text, in order, with nothing released before it is classified', async () => {
    const m = monitor();
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(10);
    let released = '';
    for (let i = 0; i < text.length; i += 7) {
      const step = await m.push(text.slice(i, i + 7));
      expect(step.blocked).toBeUndefined();
      released += step.release;
      // Held-back text: what was released is always at least holdback chars behind what was received.
      expect(released.length).toBeLessThanOrEqual(Math.max(0, Math.min(text.length, i + 7) - 20));
    }
    released += (await m.end()).release;
    expect(released).toBe(text);
    expect(m.summary()).toEqual(
      expect.objectContaining({ blocked: false, releasedChars: text.length, heldChars: 0 }),
    );
  });

  test('stops the stream when a window is harmful and never releases the harmful text', async () => {
    const m = monitor();
    let released = '';
    let blocked = false;
    const chunks = [
      'Sure. First you take the ',
      'wire and the deto',
      'nator and then you connect ',
      'them to the battery. ',
      'more text',
    ];
    for (const c of chunks) {
      const step = await m.push(c);
      released += step.release;
      if (step.blocked) {
        blocked = true;
        break;
      }
    }
    if (!blocked) {
      const end = await m.end();
      released += end.release;
      blocked = end.blocked !== undefined;
    }
    expect(blocked).toBe(true);
    expect(released).not.toContain('detonator');
    expect(m.summary().blocked).toBe(true);
    expect(m.summary().blockedVerdict?.triggered).toContain('harmful');
    // After a block nothing more is released.
    expect((await m.push('anything')).release).toBe('');
  });

  test('a phrase split across the window boundary is still caught', async () => {
    const m = monitor(20, 30);
    const filler = 'a'.repeat(28);
    const steps = [await m.push(`${filler} deto`), await m.push('nator plan. '), await m.end()];
    expect(steps.some((s) => s.blocked)).toBe(true);
  });

  test('memory stays bounded on a long stream', async () => {
    const m = monitor(20, 50);
    for (let i = 0; i < 5000; i++) await m.push('lorem ipsum dolor sit amet ');
    await m.end();
    const s = m.summary();
    expect(s.releasedChars).toBe(5000 * 27);
    expect((m as unknown as { buffer: string }).buffer.length).toBeLessThan(50 * 4 + 200);
  });
});
