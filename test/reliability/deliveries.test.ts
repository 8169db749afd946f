/** Concurrent deliveries of one training event on the embedded backend (several SQLite connections). */
import { makeLocalBackend } from '../support/local-backend.js';
import { deliveriesSuite } from './deliveries-suite.js';

deliveriesSuite('local (SQLite)', makeLocalBackend);
