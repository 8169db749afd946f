import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPython, tinyOnnx, writePickle } from '../support/model-files.js';
import { requireBuiltCli, runCli } from './run-cli.js';

describe('modelreg formats and lineage on the command line', () => {
  let cwd: string;
  const cli = (...args: string[]) => runCli(args, { cwd });
  const base = ['--use-case', 'vision'];

  beforeAll(async () => {
    requireBuiltCli();
    cwd = await mkdtemp(join(tmpdir(), 'modelreg-cli-formats-'));
    await writeFile(join(cwd, 'scorer.bin'), tinyOnnx());
    const onnx = await cli(
      'models',
      'register',
      ...base,
      '--model',
      'Scorer',
      '--artifact',
      'scorer.bin',
      '--dataset-version',
      'images-6',
      '--feature-set',
      'pixels@3',
    );
    expect(onnx.code).toBe(0);
    // the pickle tests' version: a distillation of the ONNX one
    if (hasPython) {
      writePickle(join(cwd, 'legacy.bin'));
      const r = await cli(
        'models',
        'register',
        ...base,
        '--model',
        'Legacy',
        '--artifact',
        'legacy.bin',
        '--parent',
        'Scorer@1.0.0',
        '--parent-relation',
        'distillation',
        '--dataset-version',
        'images-6',
      );
      expect(r.code).toBe(0);
    }
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it('shows an ONNX model’s detected inputs and outputs in models info, and the format in --json', async () => {
    const human = await cli('models', 'info', ...base, '--model', 'Scorer', '--version', '1.0.0');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/format\s+onnx, IR 8, opset ai\.onnx:17/);
    expect(human.stdout).toMatch(/inputs\s+input float32\[batch,3\]/);
    expect(human.stdout).toMatch(/outputs\s+score float32\[batch,1\]/);
    expect(human.stderr).not.toMatch(/warning/);
    const json = JSON.parse(
      (await cli('models', 'info', ...base, '--model', 'Scorer', '--version', '1.0.0', '--json')).stdout,
    );
    expect(json.format.name).toBe('onnx');
    expect(json.format.inputs[0]).toEqual({ name: 'input', dtype: 'float32', shape: ['batch', 3] });
  });

  describe.skipIf(!hasPython)('a pickle (written by python3)', () => {
    it('warns on stderr in models info and models get that loading it executes code', async () => {
      const info = await cli('models', 'info', ...base, '--model', 'Legacy');
      expect(info.stdout).toMatch(/format\s+pickle, protocol 4/);
      expect(info.stderr).toMatch(/warning: this artifact is a pickle: loading it executes code/);
      const get = await cli(
        'models',
        'get',
        ...base,
        '--model',
        'Legacy',
        '--version',
        '1.0.0',
        '--output',
        'out',
        '--json',
      );
      expect(get.code).toBe(0);
      expect(get.stderr).toMatch(/prefer safetensors or ONNX/);
      expect(JSON.parse(get.stdout)).toMatchObject({
        format: 'pickle',
        warning: expect.stringMatching(/executes code/),
      });
      const onnxGet = await cli(
        'models',
        'get',
        ...base,
        '--model',
        'Scorer',
        '--version',
        '1.0.0',
        '--output',
        'out2',
      );
      expect(onnxGet.stderr).not.toMatch(/warning/);
    });

    it('refuses its promotion under forbid_formats (exit 3, the gate with actual and threshold)', async () => {
      const set = await cli(
        'models',
        'policy',
        'set',
        ...base,
        '--model',
        'Legacy',
        '--staging-gate',
        'forbid_formats=pickle,joblib',
      );
      expect(set.code).toBe(0);
      expect(set.stdout).toContain('forbid_formats=pickle,joblib');
      const r = await cli('models', 'promote', ...base, '--model', 'Legacy', '--version', '1.0.0', '--json');
      expect(r.code).toBe(3);
      const out = JSON.parse(r.stdout);
      expect(out.gates).toEqual([
        expect.objectContaining({
          gate: 'forbid_formats',
          actual: 'pickle',
          threshold: ['pickle', 'joblib'],
          passed: false,
        }),
      ]);
      expect(out.error.name).toBe('GateFailedError');
    });

    it('walks from the dataset, and from the parent to its child', async () => {
      const fromData = JSON.parse(
        (await cli('lineage', 'show', '--dataset-version', 'images-6', '--json')).stdout,
      );
      expect(fromData.versions.map((v: { modelName: string }) => v.modelName).sort()).toEqual([
        'Legacy',
        'Scorer',
      ]);
      expect(fromData.featureSets).toEqual([{ name: 'pixels', version: '3' }]);
      const fromParent = await cli('lineage', 'show', ...base, '--model', 'Scorer', '--version', '1.0.0');
      expect(fromParent.code).toBe(0);
      expect(fromParent.stdout).toMatch(
        /1\s+vision\/Legacy@1\.0\.0\s+development\s+distillation\s+vision\/Scorer@1\.0\.0/,
      );
      const fromChild = JSON.parse(
        (await cli('lineage', 'show', ...base, '--model', 'Legacy', '--version', '1.0.0', '--json')).stdout,
      );
      expect(fromChild.parents).toEqual([
        expect.objectContaining({
          modelName: 'Scorer',
          version: '1.0.0',
          relation: 'distillation',
          depth: 1,
        }),
      ]);
    });
  });

  it('suggests the nearest format name for a misspelt one in forbid_formats (exit 2)', async () => {
    const r = await cli(
      'models',
      'policy',
      'set',
      ...base,
      '--model',
      'Scorer',
      '--production-gate',
      'forbid_formats=pickle,jobib',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"jobib", which is not a format/);
    expect(r.stderr).toMatch(/hint: did you mean joblib\?/);
  });

  it('refuses a registration naming a parent that does not exist (exit 4, ParentNotFoundError)', async () => {
    const r = await cli(
      'models',
      'register',
      ...base,
      '--model',
      'Tuned',
      '--artifact',
      'scorer.bin',
      '--parent',
      'Scorer@9.0.0',
      '--json',
    );
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      name: 'ParentNotFoundError',
      message: expect.stringContaining('vision/Scorer@9.0.0'),
    });
    const list = await cli('models', 'list', ...base, '--json');
    expect(JSON.stringify(JSON.parse(list.stdout))).not.toContain('Tuned');
  });

  it('lineage reindex finds nothing missing on a registry written with the index', async () => {
    const r = await cli('lineage', 'reindex', '--dry-run', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 0, dryRun: true });
    expect(JSON.parse(r.stdout).present).toBeGreaterThan(0);
  });

  it('keeps lineage show --run-id, and refuses two starting points at once (exit 2)', async () => {
    const run = await cli('lineage', 'show', '--run-id', 'nothing');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No version was registered from run nothing.');
    const both = await cli('lineage', 'show', '--run-id', 'r', '--dataset-version', 'd');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--run-id and --dataset-version/);
  });
});
