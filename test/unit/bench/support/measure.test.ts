import { existsSync } from 'node:fs';
import { threadCpu } from '../../../../bench/support/measure';

const linux = existsSync('/proc/self/task');

describe('threadCpu', () => {
  (linux ? test : test.skip)(
    'splits this process into its main thread and the others, with context switches',
    () => {
      // Some CPU on the main thread, so that its reading moves.
      let x = 0;
      for (let i = 0; i < 5e6; i++) x += i % 7;
      expect(x).toBeGreaterThan(0);
      const t = threadCpu(process.pid);
      expect(Number.isFinite(t.mainSec)).toBe(true);
      expect(t.mainSec).toBeGreaterThanOrEqual(0);
      expect(t.otherSec).toBeGreaterThanOrEqual(0);
      expect(t.switches).toBeGreaterThan(0);
    },
  );

  test('a process that does not exist reads as NaN', () => {
    const t = threadCpu(2 ** 30);
    expect(t.mainSec).toBeNaN();
    expect(t.otherSec).toBeNaN();
    expect(t.switches).toBeNaN();
  });
});
