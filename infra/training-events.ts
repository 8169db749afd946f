/**
 * How training-completed events become the promotion workflow's input
 * (`{useCase, modelName, artifactUri, runId, datasetVersion, codeVersion, requestedBy}`,
 * RegisterInputSchema): the EventBridge patterns and target inputs of both sources.
 */
import * as events from 'aws-cdk-lib/aws-events';

/**
 * The SageMaker training job tags that name the registry entry. Dashes, not colons: an
 * EventBridge input path may hold only letters, digits, `-`, `_` and `/` in a key, so a
 * `modelreg:useCase` tag could not be read by the input transformer.
 */
export const SAGEMAKER_TAGS = {
  useCase: 'modelreg-useCase',
  modelName: 'modelreg-modelName',
  datasetVersion: 'modelreg-datasetVersion',
  codeVersion: 'modelreg-codeVersion',
} as const;

/** Who a SageMaker-started workflow says asked for it. */
export const SAGEMAKER_REQUESTED_BY = 'sagemaker';

/**
 * Completed SageMaker training jobs that carry all four tags. Jobs without them are not
 * the registry's and are ignored (no execution, no failure); requiring every tag also
 * keeps each input path of the transformer pointing at a value.
 */
export function sagemakerTrainingCompletedPattern(): events.EventPattern {
  return {
    source: ['aws.sagemaker'],
    detailType: ['SageMaker Training Job State Change'],
    detail: {
      TrainingJobStatus: ['Completed'],
      Tags: Object.fromEntries(Object.values(SAGEMAKER_TAGS).map((tag) => [tag, events.Match.exists()])),
    },
  };
}

/**
 * The workflow input of a SageMaker job: names and versions from its tags, the artifact
 * from `ModelArtifacts.S3ModelArtifacts`, the run from the job name.
 */
export function sagemakerTrainingInput(): events.RuleTargetInput {
  const tag = (name: string) => events.EventField.fromPath(`$.detail.Tags.${name}`);
  return events.RuleTargetInput.fromObject({
    useCase: tag(SAGEMAKER_TAGS.useCase),
    modelName: tag(SAGEMAKER_TAGS.modelName),
    artifactUri: events.EventField.fromPath('$.detail.ModelArtifacts.S3ModelArtifacts'),
    runId: events.EventField.fromPath('$.detail.TrainingJobName'),
    datasetVersion: tag(SAGEMAKER_TAGS.datasetVersion),
    codeVersion: tag(SAGEMAKER_TAGS.codeVersion),
    requestedBy: SAGEMAKER_REQUESTED_BY,
  });
}

/** The source and detail type of the registry's own training-completed event. */
export const TRAINING_COMPLETED_EVENT = { source: 'modelreg', detailType: 'TrainingCompleted' } as const;

/** `source: modelreg`, `detail-type: TrainingCompleted`, from any producer in the account. */
export function trainingCompletedPattern(): events.EventPattern {
  return {
    source: [TRAINING_COMPLETED_EVENT.source],
    detailType: [TRAINING_COMPLETED_EVENT.detailType],
  };
}

/**
 * The workflow input of a modelreg TrainingCompleted event: its detail, as sent. The
 * detail already is the documented input (with the optional metrics, metadata and tags,
 * which a field-by-field transformer would drop, and nullable versions that it could not
 * pass through reliably); the register step validates it.
 */
export function trainingCompletedInput(): events.RuleTargetInput {
  return events.RuleTargetInput.fromEventPath('$.detail');
}

/** The event the registry publishes on the default bus when a version is promoted. */
export const MODEL_VERSION_PROMOTED_EVENT = {
  source: 'modelreg',
  detailType: 'ModelVersionPromoted',
} as const;
