/**
 * Faults the emulators cannot produce, for aws-sdk-client-mock fakes: cancelled
 * transactions with chosen reasons, timeouts, S3 checksum errors. Plus a look at the
 * bucket behind the API and the document client a DynamoRegistryStore sends with.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoRegistryStore } from '../../src/adapters/aws/dynamodb-store.js';

/**
 * The document client a store sends every command with. lib-dynamodb commands go
 * through this client's own `send` (sharing the DynamoDBClient's middleware, not its
 * `send`), so this is the instance to mock for the store's commands.
 */
export function documentClientOf(store: DynamoRegistryStore): DynamoDBDocumentClient {
  const doc = (store as unknown as { doc?: unknown }).doc;
  if (!(doc instanceof DynamoDBDocumentClient)) {
    throw new Error(
      'DynamoRegistryStore no longer keeps its document client in `doc`; update aws-faults.ts.',
    );
  }
  return doc;
}

/** What an item of a registry transaction writes (see DynamoRegistryStore.transaction). */
export type TransactionItemKind = 'head' | 'version' | 'stage' | 'audit';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The kind of one transaction item: stage moves are the only updates, puts carry their `type`. */
export function itemKind(item: TransactItem): TransactionItemKind {
  if (item.Update) return 'stage';
  const type = item.Put?.Item?.type;
  if (type === 'head' || type === 'version' || type === 'audit') return type;
  throw new Error(`unexpected transaction item ${JSON.stringify(item)}`);
}

/** A cancellation as DynamoDB reports it: one reason per item, in the items' order. */
export function cancellation(codes: readonly string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) =>
      Code === 'ConditionalCheckFailed' ? { Code, Message: 'The conditional request failed' } : { Code },
    ),
  });
}

/**
 * A fake for TransactWriteItems that cancels the transaction with `code` on the first
 * item of `kind` and `None` on the others, without writing anything. Throws a plain
 * error if the transaction has no such item (a mistake in the test, not a finding).
 */
export function cancelAt(
  kind: TransactionItemKind,
  code: string,
): (input: TransactWriteCommandInput) => Promise<never> {
  return async (input) => {
    const items = input.TransactItems ?? [];
    const at = items.findIndex((item) => itemKind(item) === kind);
    if (at === -1) throw new Error(`test setup: the transaction has no ${kind} item`);
    throw cancellation(items.map((_, i) => (i === at ? code : 'None')));
  };
}

/** The error the SDK raises when a request timed out: the outcome on the server is unknown. */
export function timeoutError(what = 'TransactWriteItems'): Error {
  return Object.assign(new Error(`${what}: connection timed out after 3000 ms`), {
    name: 'TimeoutError',
    $metadata: {},
  });
}

/** S3's answer to a body whose checksum does not match the one sent with it. */
export function badDigest(): S3ServiceException {
  return new S3ServiceException({
    name: 'BadDigest',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'The SHA256 you specified did not match the calculated checksum.',
  });
}

/** Every key under a prefix, sorted, read straight from the bucket. */
export async function keysUnder(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}
