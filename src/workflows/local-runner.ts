/**
 * Runs a workflow's own ASL definition on one machine with aws-local-stepfunctions, the
 * Lambda steps bound to in-process functions, SNS publishing to a local callback and the
 * approval wait to a local decision. The definition is the deployed one with dummy ARNs,
 * and every binding answers in the shape the AWS integration does, so the JSONPaths
 * that run here are the ones that run on AWS.
 */
import { randomUUID } from 'node:crypto';
import {
  ExecutionError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { loadDefinition, type Placeholder, placeholdersOf, substitute, type WorkflowName } from './asl.js';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node >= 22) when a Task runs.
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}
const promiseStatics = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof promiseStatics.withResolvers !== 'function') {
  promiseStatics.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

/** The Lambda steps a workflow can call, by binding name. */
export type LambdaBindingName =
  | 'register'
  | 'evaluate'
  | 'compare'
  | 'promote'
  | 'requestApproval'
  | 'approvalDecision'
  | 'rollback'
  | 'archive';

/**
 * One Lambda step in-process: called with the `Payload` the state computed, answers
 * what the handler returns. A thrown error's `name` is what Retry and Catch match (as
 * the Lambda runtime's `errorType`).
 */
export type LambdaBinding = (payload: unknown) => Promise<unknown>;

/** What a `sns:publish` state sends: the message as SNS receives it, attributes as strings. */
export interface PublishedNotification {
  topicArn: string;
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

/**
 * The Payload of the approval wait (`RequestApproval`): `{useCase, modelName, version,
 * requestedBy, evidence, timeoutSeconds, taskToken}`.
 */
export type ApprovalWaitPayload = Record<string, unknown> & { taskToken: string };

/** How the local run reaches the outside world. */
export interface WorkflowBindings {
  /** The Lambda steps; only those the workflow uses are required (checked before the run). */
  lambdas: Partial<Record<LambdaBindingName, LambdaBinding>>;
  /** Publishes one notification; a throw fails the state like an SNS error would. */
  publish: (notification: PublishedNotification) => Promise<void>;
  /**
   * Waits for the decision on an approval request (called after the `requestApproval`
   * binding stored it): resolves with the task output on approve (SendTaskSuccess, e.g.
   * `{approved: true, approvalId, by}`), rejects with an Error named `ApprovalRejected`
   * whose message is the cause (`rejected by <who>`) on reject (SendTaskFailure). The
   * state's timeout (TimeoutSecondsPath) ends the wait with States.Timeout and aborts
   * `signal`. Required by workflows with a `.waitForTaskToken` state.
   */
  waitForDecision?: (payload: ApprovalWaitPayload, options: { signal: AbortSignal }) => Promise<unknown>;
}

/** One step of the execution as it happens (from the interpreter's event log). */
export interface WorkflowStateEvent {
  type: 'entered' | 'exited' | 'failed' | 'retried' | 'caught';
  state: string;
  detail?: Record<string, unknown>;
}

/** Knobs of a local run. */
export interface LocalRunOptions {
  /** Called for every state event, in order; must not throw. */
  onState?: (event: WorkflowStateEvent) => void;
  /** Waits this many milliseconds before every retry instead of the Retry's backoff (tests). */
  retryIntervalMs?: number;
  /** `$$.Execution.Id`; the task token is `local-<executionId>`. @default a random UUID */
  executionId?: string;
}

/** How a local run ended: the output on success, the error name and cause on failure. */
export interface LocalRunResult {
  status: 'SUCCEEDED' | 'FAILED';
  executionId: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

/** The binding each Lambda placeholder stands for. */
export const LAMBDA_PLACEHOLDERS: Readonly<
  Record<Exclude<Placeholder, 'NotificationTopicArn'>, LambdaBindingName>
> = {
  RegisterFunctionArn: 'register',
  EvaluateFunctionArn: 'evaluate',
  CompareFunctionArn: 'compare',
  PromoteFunctionArn: 'promote',
  RequestApprovalFunctionArn: 'requestApproval',
  ApprovalDecisionFunctionArn: 'approvalDecision',
  RollbackFunctionArn: 'rollback',
  ArchiveFunctionArn: 'archive',
};

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * A well-formed dummy ARN for every placeholder (the validator checks ARN syntax):
 * `arn:aws:lambda:us-east-1:000000000000:function:modelreg-<binding>` and
 * `arn:aws:sns:us-east-1:000000000000:modelreg-notifications`.
 */
export const LOCAL_PLACEHOLDER_VALUES: Readonly<Record<Placeholder, string>> = {
  ...(Object.fromEntries(
    Object.entries(LAMBDA_PLACEHOLDERS).map(([p, b]) => [
      p,
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:modelreg-${kebab(b)}`,
    ]),
  ) as Record<keyof typeof LAMBDA_PLACEHOLDERS, string>),
  NotificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:modelreg-notifications`,
};

/** A workflow's definition with the local dummy ARNs in place of its placeholders. */
export async function localDefinition(name: WorkflowName): Promise<StateMachineDefinition> {
  const text = await loadDefinition(name);
  const values: Record<string, string> = {};
  for (const p of placeholdersOf(text)) {
    const value = (LOCAL_PLACEHOLDER_VALUES as Record<string, string>)[p];
    if (value === undefined) throw new Error(`${name}.asl.json uses the unknown placeholder \${${p}}`);
    values[p] = value;
  }
  return JSON.parse(substitute(text, values)) as StateMachineDefinition;
}

type JSONValue = Parameters<StateMachine['run']>[0];
type TaskHandler = (input: JSONValue) => Promise<JSONValue>;
type AnyState = Record<string, unknown>;

const BINDING_BY_ARN = new Map<string, LambdaBindingName>(
  Object.entries(LAMBDA_PLACEHOLDERS).map(([p, b]) => [LOCAL_PLACEHOLDER_VALUES[p as Placeholder], b]),
);

/** Every state of a definition, nested ones (Parallel branches, Map processors) included. */
function allStates(definition: { States: Record<string, unknown> }): [string, AnyState][] {
  const out: [string, AnyState][] = [];
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as AnyState;
    out.push([name, state]);
    for (const branch of (state.Branches as { States: Record<string, unknown> }[] | undefined) ?? []) {
      out.push(...allStates(branch));
    }
    for (const key of ['ItemProcessor', 'Iterator']) {
      const inner = state[key] as { States: Record<string, unknown> } | undefined;
      if (inner) out.push(...allStates(inner));
    }
  }
  return out;
}

const asObject = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** What Lambda would return: JSON (undefined fields dropped, dates as strings), null for nothing. */
const asLambdaJson = (v: unknown): JSONValue =>
  v === undefined ? null : (JSON.parse(JSON.stringify(v)) as JSONValue);

function named(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/**
 * A handler's error as the Lambda integration reports it: same name (Retry and Catch
 * match it), cause `{"errorType","errorMessage"}` as the Lambda runtime serializes it.
 */
function lambdaError(e: unknown): Error {
  const errorType = e instanceof Error ? e.name : 'Error';
  const errorMessage = e instanceof Error ? e.message : String(e);
  return named(errorType, JSON.stringify({ errorType, errorMessage }));
}

/** A local decision's rejection as SendTaskFailure reports it: its name is the error, its message the cause. */
function taskFailure(e: unknown): Error {
  return e instanceof Error ? named(e.name, e.message) : named('Error', String(e));
}

interface Waits {
  /** Abort controllers of the approval waits under way, by state name. */
  active: Map<string, Set<AbortController>>;
}

function lambdaFor(state: string, functionName: unknown, bindings: WorkflowBindings): LambdaBinding {
  const binding = typeof functionName === 'string' ? BINDING_BY_ARN.get(functionName) : undefined;
  if (!binding)
    throw new Error(`state ${state} invokes ${String(functionName)}, which no local binding stands for`);
  const fn = bindings.lambdas[binding];
  if (!fn)
    throw new Error(`state ${state} needs the '${binding}' Lambda binding: pass it in bindings.lambdas`);
  return fn;
}

function publishHandler(bindings: WorkflowBindings): TaskHandler {
  return async (input) => {
    const p = asObject(input);
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(asObject(p.MessageAttributes))) {
      const a = asObject(v);
      attributes[k] =
        typeof a.StringValue === 'string' ? a.StringValue : JSON.stringify(a.StringValue ?? null);
    }
    // Step Functions serializes a JSON Message before calling SNS.
    const message = typeof p.Message === 'string' ? p.Message : JSON.stringify(p.Message ?? null);
    await bindings.publish({
      topicArn: String(p.TopicArn),
      subject: typeof p.Subject === 'string' ? p.Subject : '',
      message,
      attributes,
    });
    return { MessageId: randomUUID() };
  };
}

/** One local handler per Task state, chosen by its resource (and FunctionName). */
function taskHandlers(
  definition: StateMachineDefinition,
  bindings: WorkflowBindings,
  waits: Waits,
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = state.Resource;
    const functionName = asObject(state.Parameters).FunctionName;
    if (resource === 'arn:aws:states:::lambda:invoke') {
      const fn = lambdaFor(name, functionName, bindings);
      // The integration answers {Payload, StatusCode, …}; the definitions keep `$.Payload`.
      handlers[name] = async (input) => {
        try {
          return { Payload: asLambdaJson(await fn(asObject(input).Payload)), StatusCode: 200 };
        } catch (e) {
          throw lambdaError(e);
        }
      };
    } else if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
      const fn = lambdaFor(name, functionName, bindings);
      const wait = bindings.waitForDecision;
      if (!wait) throw new Error(`state ${name} waits for a decision: pass bindings.waitForDecision`);
      // The Lambda's own answer is ignored (as on AWS); the task's output is the decision's.
      handlers[name] = async (input) => {
        const payload = asObject(asObject(input).Payload) as ApprovalWaitPayload;
        try {
          await fn(payload);
        } catch (e) {
          throw lambdaError(e);
        }
        const controller = new AbortController();
        const set = waits.active.get(name) ?? new Set<AbortController>();
        waits.active.set(name, set.add(controller));
        try {
          return asLambdaJson(await wait(payload, { signal: controller.signal }));
        } catch (e) {
          throw taskFailure(e);
        } finally {
          set.delete(controller);
        }
      };
    } else if (resource === 'arn:aws:states:::sns:publish') {
      handlers[name] = publishHandler(bindings);
    } else {
      throw new Error(`state ${name} uses ${String(resource)}, which the local runner cannot run`);
    }
  }
  // The interpreter may fail a state (a bad TimeoutSecondsPath value) before it awaits
  // the handler; a later rejection of that handler must not become an unhandled one.
  for (const [name, handler] of Object.entries(handlers)) {
    handlers[name] = (input) => {
      const answer = handler(input);
      answer.catch(() => {});
      return answer;
    };
  }
  return handlers;
}

/** The `"x.$": path` fields of a payload template, by their place in the effective input. */
function templatePaths(template: unknown, at = '$'): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(asObject(template))) {
    if (k.endsWith('.$') && typeof v === 'string') out.push([`${at}.${k.slice(0, -2)}`, v]);
    else if (typeof v === 'object' && v !== null) out.push(...templatePaths(v, `${at}.${k}`));
  }
  return out;
}

/**
 * Step Functions resolves `TimeoutSecondsPath` in the state's input; aws-local-stepfunctions
 * resolves it in the effective input (after `Parameters`). So that the deployed path
 * works here, it is pointed at the `Parameters` field that carries the same value.
 */
function adaptTimeoutPaths(definition: StateMachineDefinition): void {
  for (const [name, state] of allStates(definition)) {
    const path = state.TimeoutSecondsPath;
    if (typeof path !== 'string' || state.Parameters === undefined) continue;
    const carried = templatePaths(state.Parameters).find(([, source]) => source === path);
    if (!carried) {
      throw new Error(
        `state ${name}: TimeoutSecondsPath ${path} must also be passed in its Parameters for the local interpreter`,
      );
    }
    state.TimeoutSecondsPath = carried[0];
  }
}

type EventLog = AsyncGenerator<Record<string, unknown>>;

/** Turns the interpreter's event log into WorkflowStateEvents; ends the approval waits of states that ended. */
async function streamEvents(
  events: EventLog,
  onState: LocalRunOptions['onState'],
  waits: Waits,
): Promise<void> {
  const types: Record<string, WorkflowStateEvent['type']> = {
    StateEntered: 'entered',
    StateExited: 'exited',
    StateFailed: 'failed',
    StateRetried: 'retried',
    StateCaught: 'caught',
  };
  for await (const e of events) {
    const type = types[String(e.type)];
    if (!type) continue;
    const state = asObject(e.state);
    const name = String(state.name);
    if (type === 'failed' || type === 'exited') {
      for (const c of waits.active.get(name) ?? []) c.abort(named('States.Timeout', `${name} ended`));
    }
    if (!onState) continue;
    const detail: Record<string, unknown> =
      type === 'entered'
        ? { input: state.input }
        : type === 'exited'
          ? { output: state.output }
          : type === 'failed'
            ? { error: e.Error, cause: e.Cause }
            : type === 'retried'
              ? { attempt: asObject(e.retry).attempt }
              : {
                  errorEquals: asObject(asObject(e.catch).catcher).ErrorEquals,
                  next: asObject(asObject(e.catch).catcher).Next,
                };
    onState({ type, state: name, detail });
  }
}

const machines = new Map<
  WorkflowName,
  Promise<{ definition: StateMachineDefinition; machine: StateMachine }>
>();

/** The validated machine of a workflow, built once per process (validation takes a few hundred ms). */
function localMachine(name: WorkflowName) {
  let built = machines.get(name);
  if (!built) {
    built = (async () => {
      const definition = await localDefinition(name);
      adaptTimeoutPaths(definition);
      const machine = new StateMachine(definition, {
        validationOptions: { checkPaths: true, checkArn: true },
      });
      return { definition, machine };
    })();
    built.catch(() => machines.delete(name));
    machines.set(name, built);
  }
  return built;
}

/**
 * Runs a workflow locally and reports how it ended; a failed execution (a Fail state, or
 * an error nothing caught) is a result, not a throw. Throws only when the run cannot
 * start: a binding missing, a definition the validator refuses.
 */
export async function runWorkflowLocally(
  name: WorkflowName,
  input: unknown,
  bindings: WorkflowBindings,
  options: LocalRunOptions = {},
): Promise<LocalRunResult> {
  const { definition, machine } = await localMachine(name);
  const waits: Waits = { active: new Map() };
  const handlers = taskHandlers(definition, bindings, waits);

  const executionId = options.executionId ?? randomUUID();
  const json = asLambdaJson(input);
  const retryIntervalOverrides: Record<string, number> = {};
  if (options.retryIntervalMs !== undefined) {
    for (const [stateName, state] of allStates(definition)) {
      if (Array.isArray(state.Retry)) retryIntervalOverrides[stateName] = options.retryIntervalMs;
    }
  }
  const runOptions: RunOptions = {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    context: {
      Execution: { Id: executionId, Name: executionId, Input: json, StartTime: new Date().toISOString() },
      StateMachine: {
        Id: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:modelreg-${name}`,
        Name: `modelreg-${name}`,
      },
      // The interpreter keeps one context object per run: a getter gives each state its own time.
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
      },
      Task: { Token: `local-${executionId}` },
    },
  };
  const execution = machine.run(json, runOptions);
  const streaming = streamEvents(execution.eventLogs as unknown as EventLog, options.onState, waits);
  try {
    const output = await execution.result;
    return { status: 'SUCCEEDED', executionId, output };
  } catch (e) {
    if (!(e instanceof ExecutionError)) throw e;
    const cause = e.cause instanceof Error ? e.cause : named('States.Runtime', String(e.cause));
    return { status: 'FAILED', executionId, error: cause.name, cause: cause.message };
  } finally {
    await streaming;
    for (const set of waits.active.values())
      for (const c of set) c.abort(named('ExecutionEnded', 'execution ended'));
  }
}
