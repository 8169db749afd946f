/** The audit chain under attack on the AWS backend (raw items written to DynamoDB Local). */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRegistryStore } from '../../../src/adapters/aws/dynamodb-store.js';
import { auditSk, HEAD_SK, modelPk } from '../../../src/adapters/aws/table-design.js';
import type { Registry } from '../../../src/app/registry.js';
import type { AuditEvent, AuditTip } from '../../../src/core/audit.js';
import type { ModelRef } from '../../../src/core/model.js';
import { auditReliabilitySuite, type TamperableBackend } from '../../reliability/audit-suite.js';
import { makeAwsBackend } from '../../support/aws-backend.js';

auditReliabilitySuite('AWS (DynamoDB Local)', async (): Promise<TamperableBackend> => {
  const backend = await makeAwsBackend();
  const raw = new DynamoRegistryStore(backend.clients.dynamodb, backend.config.table);
  const doc = (raw as unknown as { doc: { send: (c: unknown) => Promise<unknown> } }).doc;
  const TableName = backend.config.table;
  let opened: Registry | undefined;
  return {
    ...backend,
    registry: (options) => {
      opened = backend.registry(options);
      return opened;
    },
    store: () => (opened as unknown as { store: DynamoRegistryStore }).store,
    tamper: {
      async putEvent(ref: ModelRef, event: AuditEvent) {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              PK: modelPk(ref),
              SK: auditSk(event.seq),
              type: 'audit',
              seq: event.seq,
              doc: JSON.stringify(event),
            },
          }),
        );
      },
      async removeEvent(ref: ModelRef, seq: number) {
        await doc.send(new DeleteCommand({ TableName, Key: { PK: modelPk(ref), SK: auditSk(seq) } }));
      },
      async setTip(ref: ModelRef, tip: AuditTip) {
        const head = (await raw.getHead(ref))!;
        const { revision: _r, ...rest } = { ...head, auditTip: tip };
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { PK: modelPk(ref), SK: HEAD_SK },
            UpdateExpression: 'SET #doc = :doc',
            ExpressionAttributeNames: { '#doc': 'doc' },
            ExpressionAttributeValues: { ':doc': JSON.stringify(rest) },
          }),
        );
      },
    },
  };
});
