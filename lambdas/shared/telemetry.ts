/**
 * Powertools Logger and Metrics of every handler, apart from the registry: a handler that
 * opens no registry (notify-slack) imports only this and stays free of the registry's code.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The structured logger every handler writes with. */
export const logger = new Logger({ serviceName: 'modelreg' });
/** The EMF metrics every handler publishes (namespace modelreg). */
export const metrics = new Metrics({ namespace: 'modelreg', serviceName: 'modelreg' });
