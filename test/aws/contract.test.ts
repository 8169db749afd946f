import { describeDeployContract } from '../contract/deploy-contract.js';
import { describeFormatsLineageContract } from '../contract/formats-lineage-contract.js';
import { describeRegistryContract } from '../contract/registry-contract.js';
import { describeWebhooksContract } from '../contract/webhooks-contract.js';
import { makeAwsBackend } from '../support/aws-backend.js';

describeRegistryContract('aws (DynamoDB Local + S3, SNS → SQS on moto)', makeAwsBackend);
describeFormatsLineageContract('aws (DynamoDB Local + S3, SNS → SQS on moto)', makeAwsBackend);
describeDeployContract('aws (DynamoDB Local + S3 on moto)', makeAwsBackend);
describeWebhooksContract('aws (DynamoDB Local + S3 on moto)', makeAwsBackend);
