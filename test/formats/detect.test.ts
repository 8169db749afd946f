import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/app/formats/detect.js';
import { MAX_HEADER_BYTES } from '../../src/app/formats/safetensors.js';
import { FORMAT_LIST_CAP } from '../../src/core/formats.js';
import {
  hasPython,
  python,
  tinyOnnx,
  tinySafetensors,
  writePickle,
  writeSavedModel,
  writeSparseOnnx,
  writeTorchZip,
} from '../support/model-files.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelreg-formats-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `bytes` under a name that says nothing of the format, so only the bytes can tell. */
function file(name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('ONNX detection', () => {
  it('reads IR version, opsets, producer and the graph signature of a real ModelProto', async () => {
    // Prepare
    const path = file('model.bin', tinyOnnx());
    // Act
    const f = await detectFormat(path);
    // Assess
    expect(f.name).toBe('onnx');
    expect(f.irVersion).toBe(8);
    expect(f.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(f.producer).toBe('modelreg-tests 1.0');
    expect(f.graphName).toBe('tiny');
    expect(f.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['batch', 3] }]);
    expect(f.outputs).toEqual([{ name: 'score', dtype: 'float32', shape: ['batch', 1] }]);
  });

  it('reads a model with megabytes of weights without decoding them', async () => {
    const path = file('big.onnx', tinyOnnx({ weights: 2_000_000 }));
    const f = await detectFormat(path);
    expect(f.name).toBe('onnx');
    expect(f.inputs?.map((i) => i.name)).toEqual(['input']);
  });

  it('seeks past 3 GiB of weights: memory stays flat (a sparse file, so no disk is used)', async () => {
    const path = writeSparseOnnx(join(dir, 'huge.onnx'), 3 * 1024 ** 3);
    const before = process.memoryUsage().rss;
    const f = await detectFormat(path);
    const grown = process.memoryUsage().rss - before;
    expect(f).toMatchObject({
      name: 'onnx',
      irVersion: 8,
      inputs: [{ name: 'x', dtype: 'float32', shape: ['n'] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['n'] }],
    });
    expect(grown).toBeLessThan(64 * 1024 ** 2);
  });

  it('answers unknown with a reason for a truncated ModelProto', async () => {
    const bytes = tinyOnnx();
    const f = await detectFormat(file('cut.onnx', bytes.subarray(0, bytes.length - 7)));
    expect(f.name).toBe('unknown');
    expect(f.reason).toMatch(/ONNX/);
  });

  it('does not take bytes that merely start like a protobuf for ONNX', async () => {
    const f = await detectFormat(file('text.onnx', Buffer.from([0x08, 0x01, 0x10, 0x02])));
    expect(f.name).toBe('unknown');
  });
});

describe('safetensors detection', () => {
  it('lists tensor names, dtypes, shapes and __metadata__', async () => {
    const f = await detectFormat(file('weights', tinySafetensors()));
    expect(f.name).toBe('safetensors');
    expect(f.tensorCount).toBe(2);
    expect(f.dtypes).toEqual(['F32']);
    expect(f.tensors).toContainEqual({ name: 'linear.weight', dtype: 'F32', shape: [2, 3] });
    expect(f.headerMetadata).toEqual({ format: 'pt' });
  });

  it('keeps at most FORMAT_LIST_CAP tensors and says the list was cut', async () => {
    const many = Object.fromEntries(Array.from({ length: FORMAT_LIST_CAP + 5 }, (_, i) => [`t${i}`, [1]]));
    const f = await detectFormat(file('many.safetensors', tinySafetensors(many)));
    expect(f.tensorCount).toBe(FORMAT_LIST_CAP + 5);
    expect(f.tensors).toHaveLength(FORMAT_LIST_CAP);
    expect(f.truncated).toBe(true);
  });

  it('refuses a tensor whose byte range lies outside the file', async () => {
    const good = tinySafetensors();
    const f = await detectFormat(file('short.safetensors', good.subarray(0, good.length - 4)));
    expect(f).toMatchObject({ name: 'unknown', reason: expect.stringMatching(/outside the file/) });
  });

  it('does not read a header over the limit (a sparse file claiming a huge header)', async () => {
    const path = join(dir, 'huge-header.safetensors');
    const length = Buffer.alloc(9);
    length.writeBigUInt64LE(BigInt(MAX_HEADER_BYTES + 1));
    length[8] = 0x7b;
    writeFileSync(path, length);
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, MAX_HEADER_BYTES * 2);
    closeSync(fd);
    const f = await detectFormat(path);
    expect(f).toMatchObject({ name: 'unknown', reason: expect.stringMatching(/over the .* limit/) });
  });

  it('answers unknown for a header that is not JSON', async () => {
    const bytes = tinySafetensors();
    bytes.write('{not json', 8);
    const f = await detectFormat(file('bad.safetensors', bytes));
    expect(f).toMatchObject({ name: 'unknown', reason: expect.stringMatching(/not JSON/) });
  });
});

describe.skipIf(!hasPython)('pickle, joblib and PyTorch detection (files written by python3)', () => {
  it.each([2, 3, 4, 5])('reads the protocol of a pickle of protocol %i', async (protocol) => {
    const f = await detectFormat(writePickle(join(dir, `p${protocol}.dat`), protocol));
    expect(f).toEqual({ name: 'pickle', protocol });
  });

  it.each([0, 1])(
    'recognises a pickle of protocol %i (no PROTO header) from its opcodes',
    async (protocol) => {
      const dict = await detectFormat(writePickle(join(dir, `old${protocol}.dat`), protocol));
      expect(dict).toEqual({ name: 'pickle', protocol });
      const object = python(
        `import pickle,sys
class Model: pass
m = Model(); m.w = [0.5]
pickle.dump(m, open(sys.argv[1], 'wb'), protocol=${protocol})`,
        join(dir, `object${protocol}.dat`),
      );
      expect(await detectFormat(object)).toEqual({ name: 'pickle', protocol });
    },
  );

  it('does not take text that ends in a full stop for a protocol 0 pickle', async () => {
    expect((await detectFormat(file('sentence.txt', 'cats sleep.\n.'))).name).toBe('unknown');
    expect((await detectFormat(file('paren.txt', '(hello world).'))).name).toBe('unknown');
  });

  it('answers unknown for a pickle cut short (no STOP opcode)', async () => {
    const path = writePickle(join(dir, 'cut.pkl'));
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, 10);
    closeSync(fd);
    expect((await detectFormat(path)).name).toBe('unknown');
  });

  it('names a pickle that references joblib.numpy_pickle joblib', async () => {
    const path = python(
      `import pickle,sys,types
m = types.ModuleType('joblib.numpy_pickle'); sys.modules['joblib'] = types.ModuleType('joblib'); sys.modules['joblib.numpy_pickle'] = m
class NumpyArrayWrapper: pass
NumpyArrayWrapper.__module__ = 'joblib.numpy_pickle'; m.NumpyArrayWrapper = NumpyArrayWrapper
pickle.dump({'coef': NumpyArrayWrapper()}, open(sys.argv[1], 'wb'), protocol=4)`,
      join(dir, 'model.joblib'),
    );
    expect(await detectFormat(path)).toEqual({ name: 'joblib', protocol: 4 });
  });

  it('recognises a zlib-compressed joblib file by inflating its start', async () => {
    const path = python(
      `import pickle,sys,types,zlib
m = types.ModuleType('joblib.numpy_pickle'); sys.modules['joblib'] = types.ModuleType('joblib'); sys.modules['joblib.numpy_pickle'] = m
class NumpyArrayWrapper: pass
NumpyArrayWrapper.__module__ = 'joblib.numpy_pickle'; m.NumpyArrayWrapper = NumpyArrayWrapper
open(sys.argv[1], 'wb').write(zlib.compress(pickle.dumps([NumpyArrayWrapper()] * 3, protocol=4), 3))`,
      join(dir, 'compressed.joblib'),
    );
    expect(await detectFormat(path)).toEqual({ name: 'joblib', protocol: 4, compression: 'zlib' });
  });

  it('recognises a gzip-compressed pickle', async () => {
    const plain = writePickle(join(dir, 'plain.pkl'), 3);
    const { readFileSync } = await import('node:fs');
    const f = await detectFormat(file('pickle.gz', gzipSync(readFileSync(plain))));
    expect(f).toEqual({ name: 'pickle', protocol: 3, compression: 'gzip' });
  });

  it('tells a PyTorch checkpoint zip from TorchScript', async () => {
    expect(await detectFormat(writeTorchZip(join(dir, 'ckpt.pt')))).toEqual({
      name: 'pytorch',
      archiveRoot: 'model',
    });
    expect(await detectFormat(writeTorchZip(join(dir, 'script.pt'), 'torchscript'))).toEqual({
      name: 'torchscript',
      archiveRoot: 'model',
    });
  });

  it('answers unknown for another zip archive, and for a truncated one', async () => {
    const other = python(
      `import sys,zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z: z.writestr('readme.txt', 'hi')`,
      join(dir, 'other.zip'),
    );
    expect(await detectFormat(other)).toMatchObject({
      name: 'unknown',
      reason: expect.stringMatching(/neither/),
    });
    const cut = writeTorchZip(join(dir, 'cut.pt'));
    const fd = openSync(cut, 'r+');
    ftruncateSync(fd, 40);
    closeSync(fd);
    expect(await detectFormat(cut)).toMatchObject({ name: 'unknown', reason: expect.stringMatching(/zip/) });
  });
});

describe('directory detection', () => {
  it('recognises a TensorFlow SavedModel layout', async () => {
    const f = await detectFormat(writeSavedModel(join(dir, 'export')));
    expect(f).toEqual({ name: 'tensorflow-savedmodel', hasVariables: true, hasAssets: true, fileCount: 3 });
  });

  it('calls any other folder a plain directory, with its file count', async () => {
    const folder = join(dir, 'plain');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'a.txt'), 'a');
    writeFileSync(join(folder, 'sub', 'b.txt'), 'b');
    expect(await detectFormat(folder)).toEqual({ name: 'directory', fileCount: 2 });
  });
});

describe('unknown files', () => {
  it('answers unknown, with a reason, for an empty file and for text', async () => {
    expect(await detectFormat(file('empty', ''))).toEqual({ name: 'unknown', reason: 'the file is empty' });
    expect((await detectFormat(file('notes.onnx', 'just some text'))).reason).toMatch(/no known format/);
  });

  it.skipIf(!hasPython)(
    'decides from the bytes, not the name: a pickle named model.onnx is a pickle',
    async () => {
      const path = writePickle(join(dir, 'model.onnx'));
      expect((await detectFormat(path)).name).toBe('pickle');
    },
  );
});
