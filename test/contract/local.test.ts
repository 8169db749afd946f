import { makeLocalBackend } from '../support/local-backend.js';
import { describeRegistryContract } from './registry-contract.js';

describeRegistryContract('local (SQLite + filesystem + JSONL outbox)', makeLocalBackend);
