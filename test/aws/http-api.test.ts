import { describeApiSuite } from '../http/api-suite.js';
import { makeAwsBackend } from '../support/aws-backend.js';

describeApiSuite('the AWS backend (DynamoDB Local + S3, SNS → SQS on moto)', makeAwsBackend);
