/**
 * Small real model files for the format detectors' tests: an ONNX graph encoded with
 * onnx-proto, a safetensors file, pickles and zips written by python3 where it exists.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Whether python3 can be run here (it writes the pickles and zips). */
export const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'pass'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The bytes of a one-node ONNX model: input `input` float32[batch,3], output `score` float32[batch,1]. */
export function tinyOnnx(options: { weights?: number; producer?: string } = {}): Buffer {
  const tensor = (name: string, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: options.producer ?? 'modelreg-tests',
    producerVersion: '1.0',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'tiny',
      node: [{ opType: 'MatMul', input: ['input', 'w'], output: ['score'] }],
      initializer: [
        {
          name: 'w',
          dims: [3, 1],
          dataType: onnx.TensorProto.DataType.FLOAT,
          rawData: Buffer.alloc(4 * (options.weights ?? 3)),
        },
      ],
      input: [tensor('input', ['batch', 3])],
      output: [tensor('score', ['batch', 1])],
    },
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/** The bytes of a safetensors file with the given tensors (float32, zero-filled) and metadata. */
export function tinySafetensors(
  tensors: Record<string, number[]> = { 'linear.weight': [2, 3], 'linear.bias': [2] },
  metadata: Record<string, string> = { format: 'pt' },
): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, shape] of Object.entries(tensors)) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, Buffer.alloc(offset)]);
}

/** Runs a python3 snippet with `path` as sys.argv[1]. */
export function python(code: string, path: string): string {
  execFileSync('python3', ['-c', code, path], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path;
}

/** A pickle of protocol `protocol` written by python3's pickle module. */
export function writePickle(path: string, protocol = 4): string {
  return python(
    `import pickle,sys; pickle.dump({'a': 1, 'w': [0.5]*10}, open(sys.argv[1],'wb'), protocol=${protocol})`,
    path,
  );
}

/** A zip laid out as torch.save (`torch.jit.save` with `script`) writes it, by python3's zipfile. */
export function writeTorchZip(path: string, kind: 'pytorch' | 'torchscript' = 'pytorch'): string {
  const extra =
    kind === 'torchscript'
      ? "z.writestr('model/constants.pkl', pickle.dumps(())); z.writestr('model/code/__torch__/m.py', 'def forward(x): return x\\n')"
      : 'pass';
  return python(
    `import pickle,sys,zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('model/data.pkl', pickle.dumps({'w': 1}, protocol=2))
    z.writestr('model/version', '3\\n')
    z.writestr('model/data/0', b'\\0' * 16)
    ${extra}`,
    path,
  );
}

/** A SavedModel directory layout: saved_model.pb, variables/ and assets/. */
export function writeSavedModel(dir: string): string {
  mkdirSync(join(dir, 'variables'), { recursive: true });
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'saved_model.pb'), Buffer.from([0x08, 0x01, 0x12, 0x00]));
  writeFileSync(join(dir, 'variables', 'variables.index'), 'index');
  writeFileSync(join(dir, 'variables', 'variables.data-00000-of-00001'), Buffer.alloc(32));
  return dir;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

const field = (number: number, bytes: Buffer) =>
  Buffer.concat([varint(number * 8 + 2), varint(bytes.length), bytes]);

/**
 * An ONNX file whose one initializer holds `weightBytes` zero bytes, written sparsely (the
 * weights are a hole in the file, so a multi-GB model costs no disk): what proves detection
 * seeks past the weights instead of reading them.
 */
export function writeSparseOnnx(path: string, weightBytes: number): string {
  const tensor = (name: string) =>
    Buffer.from(
      onnx.ValueInfoProto.encode({
        name,
        type: {
          tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'n' }] } },
        },
      }).finish(),
    );
  // TensorProto: dims 1 (1), data_type (1 = float), name "w", then raw_data's key and length
  const tensorHead = Buffer.concat([
    Buffer.from([0x08, 0x01, 0x10, 0x01]),
    field(8, Buffer.from('w')),
    varint(9 * 8 + 2),
    varint(weightBytes),
  ]);
  const tensorLength = tensorHead.length + weightBytes;
  const tail = Buffer.concat([field(11, tensor('x')), field(12, tensor('y'))]);
  const graphHead = Buffer.concat([
    field(2, Buffer.from('big')),
    varint(5 * 8 + 2),
    varint(tensorLength),
    tensorHead,
  ]);
  const graphLength = graphHead.length + weightBytes + tail.length;
  const opset = Buffer.from(onnx.OperatorSetIdProto.encode({ domain: '', version: 17 }).finish());
  const head = Buffer.concat([
    Buffer.from([0x08, 0x08]),
    field(8, opset),
    varint(7 * 8 + 2),
    varint(graphLength),
    graphHead,
  ]);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head, 0, head.length, 0);
    writeSync(fd, tail, 0, tail.length, head.length + weightBytes);
  } finally {
    closeSync(fd);
  }
  return path;
}
