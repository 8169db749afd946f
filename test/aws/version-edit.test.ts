/** Version edits and the use-case listing on DynamoDB Local: the store conditions and the items it writes. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoRegistryStore } from '../../src/adapters/aws/dynamodb-store.js';
import { describeEditStore } from '../contract/version-edit-store.js';
import { makeAwsBackend } from '../support/aws-backend.js';
import { recordRequests } from '../support/sdk-requests.js';

describeEditStore('DynamoDB Local', async () => {
  const backend = await makeAwsBackend();
  const registry = backend.registry({ actor: 'edit-tester' });
  return {
    registry,
    store: new DynamoRegistryStore(backend.clients.dynamodb, backend.config.table),
    cleanup: backend.cleanup,
  };
});

describe('the use-case listing on DynamoDB Local', () => {
  it('counts models in use-case items written with the model, and lists them with one Query', async () => {
    // Prepare
    const backend = await makeAwsBackend();
    try {
      const registry = backend.registry({ actor: 'uc-tester' });
      const dir = await mkdtemp(join(tmpdir(), 'modelreg-uc-'));
      for (const [i, name] of ['a', 'b', 'a'].entries()) {
        await writeFile(join(dir, `${i}.bin`), `w${i}`);
        await registry.register({ useCase: 'crm', modelName: name, artifactPath: join(dir, `${i}.bin`) });
      }
      const store = new DynamoRegistryStore(backend.clients.dynamodb, backend.config.table);
      const sent = recordRequests(backend.clients.dynamodb);

      // Act
      const page = await store.listUseCases({});

      // Assess
      expect(page.items).toEqual([{ useCase: 'crm', models: 2 }]);
      expect(sent.counts()).toEqual({ QueryCommand: 1 });
      const raw = await backend.clients.dynamodb.send(
        new QueryCommand({
          TableName: backend.config.table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': 'USECASES' },
        }),
      );
      expect(raw.Items).toEqual([
        expect.objectContaining({ PK: 'USECASES', SK: 'U#crm', useCase: 'crm', models: 2, type: 'use-case' }),
      ]);
    } finally {
      await backend.cleanup();
    }
  });
});
