/**
 * Signing from the command line, as a user runs it: keys create/trust/revoke/list,
 * register --sign, models sign/verify/get and the exit code of every refusal (6 tampered
 * artifact, 11 tampered statement, 12 untrusted key or unsigned where required, 13 revoked key).
 */
import { statSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliAt, expectExit, makeTempDir, okJson, removeTempDir, requireBuiltCli } from './run-cli.js';

describe('modelreg keys and models sign/verify', () => {
  let dir: string;
  let cli: ReturnType<typeof cliAt>;
  const model = ['--use-case', 'fraud', '--model', 'Risk'];

  beforeAll(() => requireBuiltCli());

  beforeEach(async () => {
    dir = await makeTempDir('signing');
    cli = cliAt(dir, join(dir, 'store'));
    await writeFile(join(dir, 'model.json'), '{"w":[1,2,3]}\n');
  });

  afterEach(() => removeTempDir(dir));

  async function signedVersion(): Promise<string> {
    expectExit(
      await cli('keys', 'create', '--name', 'release', '--out', join(dir, 'keys', 'release.pem')),
      0,
    );
    const pub = join(dir, 'keys', 'release.pem.pub');
    expectExit(
      await cli('keys', 'trust', '--use-case', 'fraud', '--name', 'release', '--public-key', pub),
      0,
    );
    const v = okJson(
      await cli(
        'models',
        'register',
        ...model,
        '--artifact',
        join(dir, 'model.json'),
        '--sign',
        '--key',
        join(dir, 'keys', 'release.pem'),
        '--json',
      ),
    );
    return v.version as string;
  }

  it('makes a key file outside the store with mode 0600 and prints the public key', async () => {
    // Act
    const r = await cli('keys', 'create', '--name', 'release', '--out', join(dir, 'keys', 'release.pem'));

    // Assess
    expectExit(r, 0);
    expect(r.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    expect(statSync(join(dir, 'keys', 'release.pem')).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'keys', 'release.pem.pub'), 'utf8')).toContain('PUBLIC KEY');
    expectExit(
      await cli('keys', 'create', '--name', 'release', '--out', join(dir, 'keys', 'release.pem')),
      5,
    );
    expectExit(await cli('keys', 'create', '--name', 'in', '--out', join(dir, 'store', 'in.pem')), 2);
  });

  it('refuses to trust a private key file', async () => {
    // Prepare
    await cli('keys', 'create', '--name', 'release', '--out', join(dir, 'k.pem'));

    // Act
    const r = await cli(
      'keys',
      'trust',
      '--use-case',
      'fraud',
      '--name',
      'release',
      '--public-key',
      join(dir, 'k.pem'),
    );

    // Assess
    expectExit(r, 2);
    expect(r.stderr).toMatch(/is a private key/);
  });

  it('signs at registration, verifies, and gets with the signature checked', async () => {
    // Act
    const version = await signedVersion();
    const verified = okJson(await cli('models', 'verify', ...model, '--version', version, '--json'));
    const got = okJson(
      await cli('models', 'get', ...model, '--version', version, '--output', join(dir, 'out'), '--json'),
    );
    const info = await cli('models', 'info', ...model, '--version', version);

    // Assess
    expectExit(info, 0);
    expect(info.stdout).toMatch(/ {2}signature {4}signed by trusted key release/);
    expect(verified).toMatchObject({
      artifactVerified: true,
      signature: { status: 'trusted', keyName: 'release' },
    });
    expect(got.signature.status).toBe('trusted');
    const audit = okJson(await cli('audit', 'show', ...model, '--json'));
    expect(JSON.stringify(audit)).toContain('"sign"');
  });

  it('exits 6 when the artifact was changed after signing', async () => {
    // Prepare
    const version = await signedVersion();
    const info = okJson(await cli('models', 'info', ...model, '--version', version, '--json'));
    await appendFile(join(dir, 'store', String(info.artifact.uri).replace(/^store:/, '')), 'tampered');

    // Act / Assess
    expectExit(await cli('models', 'verify', ...model, '--version', version), 6);
    expectExit(await cli('models', 'get', ...model, '--version', version, '--output', join(dir, 'o')), 6);
  });

  it('exits 11 when the stored statement was changed', async () => {
    // Prepare
    const version = await signedVersion();
    const db = new Database(join(dir, 'store', 'registry.db'));
    const row = db.prepare("SELECT id, doc FROM records WHERE kind = 'signature'").get() as {
      id: string;
      doc: string;
    };
    const doc = JSON.parse(row.doc);
    const statement = JSON.parse(Buffer.from(doc.envelope.payload, 'base64').toString('utf8'));
    statement.predicate.lineage.datasetVersion = 'forged';
    doc.envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    db.prepare("UPDATE records SET doc = ? WHERE kind = 'signature' AND id = ?").run(
      JSON.stringify(doc),
      row.id,
    );
    db.close();

    // Act
    const r = await cli('models', 'verify', ...model, '--version', version);

    // Assess
    expectExit(r, 11);
    expect(r.stderr).toContain('SignatureInvalidError');
    expectExit(await cli('models', 'get', ...model, '--version', version, '--output', join(dir, 'o')), 11);
  });

  it('exits 12 for a key the use case does not trust, and for unsigned with --require-signature', async () => {
    // Prepare
    await signedVersion();
    await cli('keys', 'create', '--name', 'stranger', '--out', join(dir, 'keys', 'stranger.pem'));
    const v = okJson(
      await cli('models', 'register', ...model, '--artifact', join(dir, 'model.json'), '--json'),
    );

    // Act
    const untrusted = await cli(
      'models',
      'sign',
      ...model,
      '--version',
      v.version,
      '--key',
      join(dir, 'keys', 'stranger.pem'),
    );
    const plain = await cli('models', 'get', ...model, '--version', v.version, '--output', join(dir, 'a'));
    const required = await cli(
      'models',
      'get',
      ...model,
      '--version',
      v.version,
      '--output',
      join(dir, 'b'),
      '--require-signature',
    );

    // Assess
    expectExit(untrusted, 12);
    expectExit(plain, 0);
    expect(plain.stdout).toMatch(/signature unsigned/);
    expectExit(required, 12);
  });

  it('exits 13 once the signing key is revoked, and lists it as revoked', async () => {
    // Prepare
    const version = await signedVersion();

    // Act
    const revoke = await cli(
      'keys',
      'revoke',
      '--use-case',
      'fraud',
      '--name',
      'release',
      '--reason',
      'laptop lost',
    );
    const verify = await cli('models', 'verify', ...model, '--version', version);
    const list = okJson(await cli('keys', 'list', '--use-case', 'fraud', '--json'));

    // Assess
    expectExit(revoke, 0);
    expectExit(verify, 13);
    expect(verify.stderr).toContain('RevokedKeyError');
    expect(list.items).toMatchObject([{ name: 'release', status: 'revoked', reason: 'laptop lost' }]);
  });

  it('exits 3 promoting an unsigned version where the policy requires a signature', async () => {
    // Prepare
    await cli('models', 'policy', 'set', ...model, '--production-gate', 'require_signature');
    const v = okJson(
      await cli('models', 'register', ...model, '--artifact', join(dir, 'model.json'), '--json'),
    );
    await cli('models', 'promote', ...model, '--version', v.version);

    // Act
    const r = await cli('models', 'promote', ...model, '--version', v.version);
    const typo = await cli('models', 'policy', 'set', ...model, '--production-gate', 'require_signatur');

    // Assess
    expectExit(r, 3);
    expect(r.stdout + r.stderr).toMatch(/require_signature\s+unsigned\s+a signature by a trusted key\s+FAIL/);
    expectExit(typo, 2);
    expect(typo.stderr).toContain('Did you mean require_signature?');
  });
});
