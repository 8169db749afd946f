import { describe, expect, it } from 'vitest';
import { decideRegister } from '../../src/core/decisions.js';
import { ValidationError } from '../../src/core/errors.js';
import {
  type ArtifactFormat,
  describeFormat,
  FORMAT_NAMES,
  isPickleBased,
  parseFormatList,
  pickleWarning,
} from '../../src/core/formats.js';
import { describeFailures, evaluateGates, parseGateArg, validateGates } from '../../src/core/gates.js';
import { lineageIndexRecords } from '../../src/core/lineage.js';
import type { VersionRecord } from '../../src/core/ports.js';

const subject = (format?: ArtifactFormat) => ({ metrics: {}, metadata: {}, ...(format ? { format } : {}) });

describe('pickle-based formats', () => {
  it('are pickle, joblib and pytorch, and only those carry the warning', () => {
    const pickled = FORMAT_NAMES.filter((name) => isPickleBased({ name }));
    expect(pickled).toEqual(['pickle', 'joblib', 'pytorch']);
    for (const name of FORMAT_NAMES) {
      expect(pickleWarning({ name }) !== null).toBe(pickled.includes(name));
    }
    expect(pickleWarning({ name: 'pytorch' })).toMatch(/PyTorch checkpoint .* executes code/);
    expect(pickleWarning(undefined)).toBeNull();
  });
});

describe('parseFormatList', () => {
  it('reads an array or a comma-separated string, once per name', () => {
    expect(parseFormatList(['pickle', 'joblib', 'pickle'])).toEqual(['pickle', 'joblib']);
    expect(parseFormatList('pickle, pytorch')).toEqual(['pickle', 'pytorch']);
  });

  it('refuses an unknown name, giving the allowed names for a suggestion', () => {
    let error: unknown;
    try {
      parseFormatList('pickle,picle');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toMatchObject({ value: 'picle', allowed: [...FORMAT_NAMES] });
  });

  it.each([[[]], [''], [42], [[1]]])('refuses %j', (value) => {
    expect(() => parseFormatList(value)).toThrow(/forbid_formats takes a list of format names/);
  });
});

describe('forbid_formats gate', () => {
  it('is accepted in a gate set and from a command line', () => {
    expect(validateGates({ forbid_formats: ['pickle'], min_auc: 0.8 })).toEqual({
      forbid_formats: ['pickle'],
      min_auc: 0.8,
    });
    expect(parseGateArg('forbid_formats=pickle,joblib')).toEqual(['forbid_formats', ['pickle', 'joblib']]);
    expect(() => validateGates({ forbid_formats: ['onx'] })).toThrow(/"onx", which is not a format/);
    expect(() => validateGates({ forbid_formats: true })).toThrow(/list of format names/);
  });

  it('fails a version of a forbidden format, reporting the format and the list', () => {
    const [r] = evaluateGates(
      { forbid_formats: ['pickle', 'joblib'] },
      subject({ name: 'pickle', protocol: 4 }),
      null,
      'policy',
    );
    expect(r).toMatchObject({
      gate: 'forbid_formats',
      actual: 'pickle',
      threshold: ['pickle', 'joblib'],
      passed: false,
      source: 'policy',
    });
    expect(describeFailures([r!])).toBe('forbid_formats: pickle is one of pickle, joblib');
  });

  it('passes a version of another format', () => {
    const [r] = evaluateGates({ forbid_formats: ['pickle'] }, subject({ name: 'onnx' }), null, 'request');
    expect(r).toMatchObject({ actual: 'onnx', passed: true });
  });

  it('fails a version registered before detection: its format cannot be shown allowed', () => {
    const [r] = evaluateGates({ forbid_formats: ['pickle'] }, subject(), null, 'policy');
    expect(r).toMatchObject({ actual: null, passed: false, note: expect.stringMatching(/not detected/) });
  });
});

describe('describeFormat', () => {
  it('summarises an ONNX signature and says when nothing was detected', () => {
    expect(
      describeFormat({
        name: 'onnx',
        irVersion: 8,
        opsets: [{ domain: '', version: 17 }],
        producer: 'torch 2.1',
      }),
    ).toBe('onnx, IR 8, opset ai.onnx:17, by torch 2.1');
    expect(describeFormat(undefined)).toMatch(/not detected/);
    expect(describeFormat({ name: 'unknown', reason: 'the file is empty' })).toBe(
      'unknown, (the file is empty)',
    );
  });
});

describe('lineageIndexRecords', () => {
  const version = (lineage: Partial<VersionRecord['lineage']>): VersionRecord =>
    ({
      useCase: 'uc',
      modelName: 'm',
      version: '1.0.0',
      registeredAt: '2026-01-01T00:00:00.000Z',
      lineage: { runId: null, datasetVersion: null, codeVersion: null, ...lineage },
    }) as VersionRecord;

  it('writes one absent-conditioned record per edge, scoped by what the edge comes from', () => {
    const records = lineageIndexRecords(
      version({
        datasetVersion: 'ds-1',
        featureSet: { name: 'fs', version: '2' },
        parent: { useCase: 'uc', modelName: 'base', version: '0.9.0', relation: 'distillation' },
      }),
    );
    expect(records.map((r) => r.record.scope)).toEqual([
      'dataset:ds-1',
      'feature-set:fs@2',
      'parent:uc/base@0.9.0',
    ]);
    expect(records.every((r) => r.expect === 'absent' && r.record.kind === 'lineage')).toBe(true);
    expect(new Set(records.map((r) => r.record.id)).size).toBe(3);
    expect(records[2]?.record.doc).toMatchObject({
      edge: 'parent',
      relation: 'distillation',
      version: '1.0.0',
    });
  });

  it('writes nothing for a version with no dataset, feature set or parent', () => {
    expect(lineageIndexRecords(version({ runId: 'r1' }))).toEqual([]);
  });

  it('is part of the registration decision: the same change set as the version and its audit event', () => {
    const v = {
      ...version({ datasetVersion: 'ds-1' }),
      stage: 'development',
      metrics: {},
      metadata: {},
      tags: {},
      artifact: { uri: 'store:x', sha256: 'a'.repeat(64), sizeBytes: 1 },
      registeredBy: 'ana',
      stageUpdatedAt: '2026-01-01T00:00:00.000Z',
      format: { name: 'onnx' },
    } as VersionRecord;
    const { change } = decideRegister({ useCase: 'uc', modelName: 'm' }, null, null, v, {
      actor: 'ana',
      now: '2026-01-01T00:00:00.000Z',
    });
    expect(change?.newVersions).toEqual([v]);
    expect(change?.records?.map((r) => r.record.scope)).toEqual(['dataset:ds-1']);
    expect(change?.events[0]?.details).toMatchObject({ format: 'onnx', datasetVersion: 'ds-1' });
  });
});
