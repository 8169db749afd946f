/** Concurrent deliveries of one training event on the AWS backend (DynamoDB Local, moto). */
import { deliveriesSuite } from '../../reliability/deliveries-suite.js';
import { makeAwsBackend } from '../../support/aws-backend.js';

deliveriesSuite('AWS (DynamoDB Local)', makeAwsBackend);
