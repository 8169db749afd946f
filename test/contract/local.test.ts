import { makeLocalBackend } from '../support/local-backend.js';
import { describeDeployContract } from './deploy-contract.js';
import { describeFormatsLineageContract } from './formats-lineage-contract.js';
import { describeRegistryContract } from './registry-contract.js';
import { describeWebhooksContract } from './webhooks-contract.js';

describeRegistryContract('local (SQLite + filesystem + JSONL outbox)', makeLocalBackend);
describeFormatsLineageContract('local (SQLite + filesystem + JSONL outbox)', makeLocalBackend);
describeDeployContract('local (SQLite + filesystem)', makeLocalBackend);
describeWebhooksContract('local (SQLite + filesystem)', makeLocalBackend);
