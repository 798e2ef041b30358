import { checkSync } from 'recheck';

/**
 * recheck's verdict on a regex, made deterministic. The automaton checker decides most of our regexes exactly
 * in well under a second; left to itself ('auto'), recheck sends large alternations to its fuzzer, which is
 * random, takes tens of seconds and, on a loaded machine, runs out of time ("unknown"). The fuzzer runs only
 * where the automaton cannot decide (back-references, look-arounds, or its 30 s budget ran out), with a fixed
 * seed and step limits only.
 */
export function linearTimeStatus(re: RegExp): string {
  const exact = checkSync(re.source, re.flags, { checker: 'automaton', timeout: 30_000 });
  if (exact.status !== 'unknown') return exact.status;
  // The fuzzer's own limits are wall-clock by default (seeding, incubation and attack timeouts): on a loaded
  // machine a slow run of a safe regex then reads as "vulnerable". Only its step limits bound it here, so the
  // verdict is the same on any machine.
  return checkSync(re.source, re.flags, {
    checker: 'fuzz',
    randomSeed: 1,
    timeout: null,
    seedingTimeout: null,
    incubationTimeout: null,
    attackTimeout: null,
  }).status;
}
