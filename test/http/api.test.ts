import { makeLocalBackend } from '../support/local-backend.js';
import { describeApiSuite } from './api-suite.js';

describeApiSuite('the embedded store (SQLite + files)', makeLocalBackend);
