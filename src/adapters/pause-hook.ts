/**
 * A fault-injection point for the reliability suite: with MODELREG_PAUSE_BEFORE=commit
 * a store announces on stderr that it is about to commit and then waits, so a test can
 * kill the process between the artifact upload and the commit. Unset, it costs one read.
 */
export async function pauseIfAsked(point: 'commit'): Promise<void> {
  if (process.env.MODELREG_PAUSE_BEFORE !== point) return;
  process.stderr.write(`modelreg: paused before ${point} (MODELREG_PAUSE_BEFORE)\n`);
  await new Promise((resolve) => setTimeout(resolve, 2 ** 31 - 1));
}
