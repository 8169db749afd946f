/**
 * The single-table design of the DynamoDB registry: key builders and the table
 * definition (used by `modelreg aws bootstrap` and mirrored by the CDK stack).
 *
 * | item          | PK                    | SK                 | GSI1 (models of a use case) | GSI2 (versions by stage)                  | GSI3 (versions by run)              |
 * |---------------|-----------------------|--------------------|-----------------------------|-------------------------------------------|-------------------------------------|
 * | model head    | M#{useCase}#{model}   | HEAD               | UC#{useCase} / M#{model}    |                                           |                                     |
 * | version       | M#{useCase}#{model}   | V#{sortKey}        |                             | STAGE#{stage} / {useCase}#{model}#{desc}  | RUN#{runId} / {useCase}#{model}#{desc} |
 * | audit event   | M#{useCase}#{model}   | A#{seq:012}        |                             |                                           |                                     |
 * | record        | R#{kind}#{id}         | R                  | RS#{kind}#{scope} / {id}    | RT#{kind}#{status} / {id}                 |                                     |
 * | undelivered   | OUTBOX                | N#{id}             |                             |                                           |                                     |
 * | orphan upload | SWEEP                 | S#{useCase}#{model}#{version} |                             |                                           |                                     |
 * | use case      | USECASES              | U#{useCase}        |                             |                                           |                                     |
 *
 * A use case item counts its models (`ADD models 1` in the transaction that creates a model's head),
 * so listing use cases is one Query, never a Scan.
 *
 * `sortKey` is versionSortKey (byte order = semver precedence); `desc` is its mirror
 * (descendingKey). Names cannot contain `#` (see NAME_PATTERN), and every name character sorts after
 * `#`, so `{useCase}#{model}` orders exactly like the (useCase, model) pair.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { ModelRef, Stage } from '../../core/model.js';

export const GSI_MODELS = 'GSI1';
export const GSI_STAGE = 'GSI2';
export const GSI_RUN = 'GSI3';

export const modelPk = (ref: ModelRef): string => `M#${ref.useCase}#${ref.modelName}`;
export const HEAD_SK = 'HEAD';
export const versionSk = (sortKey: string): string => `V#${sortKey}`;
/** The highest sequence number an audit sort key can hold (12 digits). */
export const AUDIT_SEQ_MAX = 999_999_999_999;
export const auditSk = (seq: number): string => `A#${String(seq).padStart(12, '0')}`;
export const useCasePk = (useCase: string): string => `UC#${useCase}`;
export const modelSk = (modelName: string): string => `M#${modelName}`;
export const stagePk = (stage: Stage): string => `STAGE#${stage}`;
export const runPk = (runId: string): string => `RUN#${runId}`;
/**
 * A version sort key with its order reversed (each printable character mirrored, then a
 * terminator above them all), so an ascending query across models lists each model's
 * versions newest first, as the embedded store does.
 */
export function descendingKey(sortKey: string): string {
  let out = '';
  for (const ch of sortKey) out += String.fromCharCode(0x9e - ch.charCodeAt(0));
  return `${out}\x7f`;
}

/** GSI sort key of a version in cross-model indexes: by model, then newest first. */
export const crossModelSk = (ref: ModelRef, sortKey: string): string =>
  `${ref.useCase}#${ref.modelName}#${descendingKey(sortKey)}`;
/** A record (evidence, approval, evaluation set): its own item, listed by scope (GSI1) and status (GSI2). */
export const recordPk = (kind: string, id: string): string => `R#${kind}#${id}`;
export const recordScopePk = (kind: string, scope: string): string => `RS#${kind}#${scope}`;
export const recordStatusPk = (kind: string, status: string): string => `RT#${kind}#${status}`;
export const OUTBOX_PK = 'OUTBOX';
/** The partition of use case items (one per use case, with its model count). */
export const USE_CASES_PK = 'USECASES';
export const useCaseSk = (useCase: string): string => `U#${useCase}`;
export const SWEEP_PK = 'SWEEP';
/** Sort key of an orphaned upload, one per version. */
export const orphanSk = (o: { useCase: string; modelName: string; version: string }): string =>
  `S#${o.useCase}#${o.modelName}#${o.version}`;

/** The table definition: on-demand, three GSIs projecting all attributes. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const gsi = (name: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: `${name}PK`, KeyType: 'HASH' as const },
      { AttributeName: `${name}SK`, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'GSI3PK', 'GSI3SK'].map(
      (n) => ({
        AttributeName: n,
        AttributeType: 'S' as const,
      }),
    ),
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [gsi(GSI_MODELS), gsi(GSI_STAGE), gsi(GSI_RUN)],
  };
}
