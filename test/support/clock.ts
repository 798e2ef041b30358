/** A clock the test moves by hand, for the `now` option of stores, limiters and reporters. */
export function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}
