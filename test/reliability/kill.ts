/**
 * Kills a `modelreg` process between the artifact upload and the commit: the CLI runs
 * with MODELREG_PAUSE_BEFORE=commit (see src/adapters/pause-hook.ts), announces the
 * pause on stderr after publishing the artifact, and is sent SIGKILL there.
 */
import { spawn } from 'node:child_process';
import { CLI } from '../cli/run-cli.js';

/** What the killed process printed, and the signal it died of. */
export interface Killed {
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI until it pauses before its commit, then SIGKILLs it. */
export function killBeforeCommit(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): Promise<Killed> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, MODELREG_ACTOR: 'tester', ...options.env, MODELREG_PAUSE_BEFORE: 'commit' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI never paused before its commit:\n${stderr}`));
    }, 20_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('paused before commit')) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (!stderr.includes('paused before commit')) {
        reject(new Error(`the CLI exited before pausing:\n${stderr}`));
        return;
      }
      resolve({ signal, stderr });
    });
  });
}
