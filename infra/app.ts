/**
 * The entry `cdk` runs (compiled: `node dist/infra/app.js`, see cdk.json). Settings come
 * from context: `-c environment=prod -c notificationEmails=a@b.c,d@e.f …`.
 */
import { App, type Environment } from 'aws-cdk-lib';
import { addModelregStacks, settingsFromContext } from './modelreg-app.js';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const env: Environment = { ...(account ? { account } : {}), ...(region ? { region } : {}) };
addModelregStacks(app, settingsFromContext(app.node), env);
app.synth();
