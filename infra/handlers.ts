/**
 * The Lambda handlers the stateless stack deploys, and what each one's code reaches:
 * the registry's table, bucket and topic, the secrets, Step Functions. The stack grants
 * exactly this and nothing else, and the infra tests check the table against the code.
 */
import type { Placeholder } from '../src/workflows/asl.js';

/** How a handler uses one registry resource. */
export type Access = 'none' | 'read' | 'readWrite';

/** One handler: `lambdas/<dir>/index.ts`, and what its code calls. */
export interface HandlerSpec {
  /** The directory under lambdas/ (and the step's name in logs and alarms). */
  readonly dir: string;
  /** The construct ID of its function. Frozen: changing it replaces the function. */
  readonly id: string;
  /** One line for the console. */
  readonly description: string;
  /** Opens the registry (MODELREG_BACKEND=aws and the table/bucket/topic settings). */
  readonly registry: boolean;
  /** Items of the registry table: reads (Get, BatchGet, Query), writes (Put, Delete, transactions). */
  readonly table: Access;
  /** Objects of the artifact bucket: read (fetch), readWrite (publish, clean-up of failed uploads). */
  readonly artifacts: Access;
  /** Publishes registry events to the notification topic (every committed change does). */
  readonly publishes: boolean;
  /** Reads the approval signing secret (signs or verifies approve/reject links). */
  readonly approvalSecret: boolean;
  /** Sets MODELREG_APPROVAL_API_URL: it writes approve/reject links into what it sends. */
  readonly approvalLinks: boolean;
  /** Reads the Slack webhook secret. */
  readonly slackWebhook: boolean;
  /** Answers the waiting promotion workflow (states:SendTaskSuccess / SendTaskFailure). */
  readonly answersTasks: boolean;
  /** Invokes the evaluator Lambdas that models' policies name. */
  readonly invokesEvaluators: boolean;
  /** Memory in MiB. */
  readonly memorySize: number;
  /** Timeout in seconds (the workflows give a Lambda step at most 900). */
  readonly timeoutSeconds: number;
  /** Size of /tmp in MiB: artifacts and evaluation sets are staged there. */
  readonly ephemeralStorageMiB: number;
  /**
   * npm packages whose files the code reads at run time (not imports), copied beside the
   * bundle as `node_modules/<name>`: the web UI serves uPlot's script and stylesheet itself.
   */
  readonly packageFiles?: readonly string[];
  /** Signing: signs release statements with the KMS signing key (kms:Sign, kms:GetPublicKey). */
  readonly signs?: boolean;
}

const base = {
  registry: true,
  table: 'readWrite',
  artifacts: 'none',
  publishes: true,
  approvalSecret: false,
  approvalLinks: false,
  slackWebhook: false,
  answersTasks: false,
  invokesEvaluators: false,
  memorySize: 512,
  timeoutSeconds: 60,
  ephemeralStorageMiB: 512,
} as const satisfies Partial<HandlerSpec>;

/** Every handler under lambdas/, in a fixed order (construct IDs are frozen). */
export const HANDLERS = [
  {
    ...base,
    dir: 'register',
    id: 'RegisterFunction',
    description: 'modelreg: registers the version a training run produced',
    artifacts: 'readWrite',
    signs: true,
    memorySize: 1024,
    timeoutSeconds: 300,
    ephemeralStorageMiB: 4096,
  },
  {
    ...base,
    dir: 'evaluate',
    id: 'EvaluateFunction',
    description: "modelreg: evaluates a version on its model's standard evaluation set",
    artifacts: 'read',
    invokesEvaluators: true,
    memorySize: 1769,
    timeoutSeconds: 600,
    ephemeralStorageMiB: 4096,
  },
  {
    ...base,
    dir: 'compare',
    id: 'CompareFunction',
    description: 'modelreg: compares a version with production and checks the gates',
    table: 'read',
    publishes: false,
  },
  {
    ...base,
    dir: 'promote',
    id: 'PromoteFunction',
    description: 'modelreg: promotes a version (archiving the previous production one in the same write)',
  },
  {
    ...base,
    dir: 'request-approval',
    id: 'RequestApprovalFunction',
    description: 'modelreg: stores an approval request with the task token and notifies the approvers',
    approvalSecret: true,
    approvalLinks: true,
  },
  {
    ...base,
    dir: 'approval-decision',
    id: 'ApprovalDecisionFunction',
    description: 'modelreg: decides an approval request and resumes the waiting workflow',
    approvalSecret: true,
    answersTasks: true,
    timeoutSeconds: 30,
  },
  {
    ...base,
    dir: 'notify-slack',
    id: 'NotifySlackFunction',
    description: 'modelreg: posts registry events to Slack',
    registry: false,
    table: 'none',
    publishes: false,
    approvalSecret: true,
    approvalLinks: true,
    slackWebhook: true,
    memorySize: 256,
    timeoutSeconds: 30,
  },
  {
    ...base,
    dir: 'rollback',
    id: 'RollbackFunction',
    description: 'modelreg: returns a version to production',
  },
  {
    ...base,
    dir: 'archive',
    id: 'ArchiveFunction',
    description: 'modelreg: archives a version',
  },
  {
    ...base,
    dir: 'archival-policy',
    id: 'ArchivalPolicyFunction',
    description: "modelreg: applies the models' archival rules (daily schedule)",
    timeoutSeconds: 600,
  },
  // webhooks: the worker that sends the outbox's deliveries (every minute)
  {
    ...base,
    dir: 'webhooks',
    id: 'WebhooksFunction',
    description: 'modelreg: sends webhook deliveries from the outbox (signed, retried, SSRF-checked)',
    publishes: false,
    timeoutSeconds: 300,
  },
  // monitor: live metric reports, judged by the monitoring rules (rollback/archive commit here)
  {
    ...base,
    dir: 'monitor-report',
    id: 'MonitorReportFunction',
    description: 'modelreg: ingests live metrics and acts on a sustained breach of a monitoring rule',
  },
  {
    ...base,
    dir: 'http',
    id: 'HttpFunction',
    packageFiles: ['uplot'],
    description:
      'modelreg: the JSON API and web UI behind the HTTP API (approvals are decided here, by POST)',
    artifacts: 'readWrite',
    approvalSecret: true,
    answersTasks: true,
    invokesEvaluators: true,
    memorySize: 1024,
    // API Gateway waits at most 30 seconds for an integration
    timeoutSeconds: 29,
    ephemeralStorageMiB: 2048,
  },
] as const satisfies readonly HandlerSpec[];

/** The directory name of one handler. */
export type HandlerDir = (typeof HANDLERS)[number]['dir'];

/** The handler behind each Lambda placeholder of the definitions. */
export const HANDLER_FOR_PLACEHOLDER: Readonly<
  Record<Exclude<Placeholder, 'NotificationTopicArn'>, HandlerDir>
> = {
  RegisterFunctionArn: 'register',
  EvaluateFunctionArn: 'evaluate',
  CompareFunctionArn: 'compare',
  PromoteFunctionArn: 'promote',
  RequestApprovalFunctionArn: 'request-approval',
  ApprovalDecisionFunctionArn: 'approval-decision',
  RollbackFunctionArn: 'rollback',
  ArchiveFunctionArn: 'archive',
};
