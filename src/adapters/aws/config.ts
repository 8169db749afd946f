import * as z from 'zod';
import { ValidationError } from '../../core/errors.js';

/**
 * The AWS backend's settings, from the environment. Endpoints and credentials follow
 * the SDK's own conventions (`AWS_REGION`, the default credential chain,
 * `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`,
 * `AWS_ENDPOINT_URL_SNS` …), so DynamoDB Local, moto or LocalStack need no flag of ours.
 */
export const AwsConfigSchema = z.object({
  table: z.string().min(3, 'MODELREG_TABLE is required for the aws backend (the DynamoDB table name)'),
  bucket: z.string().min(3, 'MODELREG_BUCKET is required for the aws backend (the artifact bucket)'),
  topicArn: z.string().startsWith('arn:', 'MODELREG_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:…)'),
  kmsKeyId: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  environment: z.string().min(1).default('dev'),
  /** Starts every SNS subject (MODELREG_SNS_SUBJECT_PREFIX; empty for none). */
  subjectPrefix: z
    .string()
    .max(40, 'MODELREG_SNS_SUBJECT_PREFIX must be at most 40 characters (SNS subjects hold 100)')
    .regex(
      /^[\x20-\x7e]*$/,
      'MODELREG_SNS_SUBJECT_PREFIX must be printable ASCII (SNS subjects allow no line breaks)',
    )
    .optional(),
  /** Base URL of the approval API: approval notifications then carry signed approve/reject links. */
  approvalApiUrl: z.string().url().optional(),
  /** Path-style S3 addressing, needed by most emulators. Defaults to true when an S3 endpoint is overridden. */
  forcePathStyle: z.boolean().optional(),
  /** Signing: the asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs release statements (MODELREG_SIGNING_KEY_ID). */
  signingKeyId: z.string().min(1).optional(),
});
export type AwsConfig = z.infer<typeof AwsConfigSchema>;

/** Reads the AWS settings from `env`, saying which variable is missing or wrong. */
export function awsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  const parsed = AwsConfigSchema.safeParse({
    table: env.MODELREG_TABLE ?? '',
    bucket: env.MODELREG_BUCKET ?? '',
    topicArn: env.MODELREG_TOPIC_ARN ?? '',
    ...(env.MODELREG_KMS_KEY_ID ? { kmsKeyId: env.MODELREG_KMS_KEY_ID } : {}),
    ...(env.AWS_REGION || env.AWS_DEFAULT_REGION ? { region: env.AWS_REGION || env.AWS_DEFAULT_REGION } : {}),
    ...(env.MODELREG_ENVIRONMENT ? { environment: env.MODELREG_ENVIRONMENT } : {}),
    ...(env.MODELREG_SNS_SUBJECT_PREFIX !== undefined
      ? { subjectPrefix: env.MODELREG_SNS_SUBJECT_PREFIX }
      : {}),
    ...(env.MODELREG_APPROVAL_API_URL ? { approvalApiUrl: env.MODELREG_APPROVAL_API_URL } : {}),
    ...(env.MODELREG_S3_FORCE_PATH_STYLE
      ? { forcePathStyle: env.MODELREG_S3_FORCE_PATH_STYLE === 'true' }
      : {}),
    ...(env.MODELREG_SIGNING_KEY_ID ? { signingKeyId: env.MODELREG_SIGNING_KEY_ID } : {}),
  });
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => i.message).join('; '), { backend: 'aws' });
  }
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return { ...parsed.data, forcePathStyle: parsed.data.forcePathStyle ?? Boolean(s3Endpoint) };
}
