/** The version page says where a version's signature stands: unsigned, then signed by a trusted key. */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ed25519KeyFileSigner } from '../../src/adapters/local/ed25519-key-file.js';
import { as, DETECTOR, makeUiFixture, type UiFixture } from './browser/fixture.js';

let fx: UiFixture;

beforeAll(async () => {
  fx = await makeUiFixture();
}, 60_000);

afterAll(async () => {
  await fx?.cleanup();
});

describe('version page signature', () => {
  it('shows unsigned, then the trusted key that signed the version', async () => {
    // Prepare
    const [v] = (await fx.registry.listVersions({ ...DETECTOR, limit: 1 })).items;
    const url = `/models/${DETECTOR.useCase}/${DETECTOR.modelName}/versions/${v!.version}`;
    const before = await (await fx.app.request(url, { headers: as('vera', 'viewer') })).text();
    const { privateKey } = generateKeyPairSync('ed25519');
    const signer = Ed25519KeyFileSigner.fromPem(
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    await fx.registry.trustKey({
      useCase: DETECTOR.useCase,
      name: 'ui-release',
      publicKeyPem: signer.publicKeyPem(),
    });
    await fx.registry.signVersion({ ...DETECTOR, version: v!.version }, signer);

    // Act
    const after = await (await fx.app.request(url, { headers: as('vera', 'viewer') })).text();

    // Assess
    expect(before).toMatch(/data-testid="signature"[^>]*>unsigned</);
    expect(after).toMatch(/data-testid="signature"[^>]*>signed by trusted key ui-release/);
  });
});
