/**
 * Records what an AWS SDK client sends, with a middleware at the `deserialize` step: that
 * step runs inside the SDK's retry middleware, so each HTTP attempt is recorded once,
 * retries included. Works for DynamoDBDocumentClient commands too (they share the base
 * client's middleware stack and are recorded under the low-level command name).
 */
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/** One HTTP attempt: the command, its (serialized-from) input and the request headers. */
export interface SentRequest {
  command: string;
  input: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface RequestRecorder {
  /** Every attempt since the last reset, in order. */
  readonly sent: SentRequest[];
  /** Attempts per command name (`BatchGetItemCommand` …), since the last reset. */
  counts(): Record<string, number>;
  /** Attempts of one command since the last reset. */
  count(command: string): number;
  reset(): void;
}

let next = 0;

/** Starts recording the requests of `client` (removed with the client). */
export function recordRequests<I extends object, O extends MetadataBearer>(client: {
  middlewareStack: MiddlewareStack<I, O>;
}): RequestRecorder {
  const sent: SentRequest[] = [];
  next += 1;
  client.middlewareStack.add(
    (handler, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      sent.push({
        command: context.commandName ?? 'unknown',
        input: args.input as Record<string, unknown>,
        headers: { ...(request?.headers ?? {}) },
      });
      return handler(args);
    },
    { step: 'deserialize', priority: 'high', name: `recordRequests${next}` },
  );
  return {
    sent,
    counts: () => {
      const out: Record<string, number> = {};
      for (const s of sent) out[s.command] = (out[s.command] ?? 0) + 1;
      return out;
    },
    count: (command) => sent.filter((s) => s.command === command).length,
    reset: () => {
      sent.length = 0;
    },
  };
}
