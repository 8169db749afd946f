/**
 * vitest globalSetup: starts DynamoDB Local (AWS's own engine, the jar shipped in the npm
 * package amplify-dynamodb-simulator, run with the machine's Java) and moto server (S3,
 * SNS, SQS) once per test run, each on a free loopback port, and stops them by process id.
 * Tests read the endpoints with `inject('dynamodbEndpoint')` / `inject('motoEndpoint')`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    motoEndpoint: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitFor(
  url: string,
  init: RequestInit,
  child: ChildProcess,
  name: string,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${log()}`);
    try {
      const res = await fetch(url, init);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready within 60 s:\n${log()}`);
}

function start(command: string, args: string[], cwd: string): { child: ChildProcess; log: () => string } {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => output };
}

function stop(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** Endpoints of running emulators, and how to stop them. */
export interface Emulators {
  dynamodbEndpoint: string;
  motoEndpoint: string;
  stop: () => void;
}

/**
 * Starts DynamoDB Local and moto server on free loopback ports and waits until both answer;
 * the vitest global setup and the bench (`npm run bench`) both start them this way.
 */
export async function startEmulators(): Promise<Emulators> {
  const require = createRequire(import.meta.url);
  const jarDir = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  const [ddbPort, motoPort] = [await freePort(), await freePort()];
  const ddb = start(
    'java',
    [
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(jarDir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(ddbPort),
    ],
    jarDir,
  );
  const moto = start(
    'python3',
    ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(motoPort)],
    process.cwd(),
  );
  const stopAll = () => {
    stop(ddb.child);
    stop(moto.child);
  };
  try {
    const dynamodbEndpoint = `http://127.0.0.1:${ddbPort}`;
    const motoEndpoint = `http://127.0.0.1:${motoPort}`;
    await Promise.all([
      waitFor(dynamodbEndpoint, { method: 'POST' }, ddb.child, 'DynamoDB Local', ddb.log),
      waitFor(`${motoEndpoint}/moto-api/`, {}, moto.child, 'moto server', moto.log),
    ]);
    return { dynamodbEndpoint, motoEndpoint, stop: stopAll };
  } catch (e) {
    stopAll();
    throw e;
  }
}

/** vitest globalSetup: the emulators for the aws project, stopped when the run ends. */
export default async function setup(project: TestProject): Promise<() => void> {
  const emulators = await startEmulators();
  project.provide('dynamodbEndpoint', emulators.dynamodbEndpoint);
  project.provide('motoEndpoint', emulators.motoEndpoint);
  return emulators.stop;
}
