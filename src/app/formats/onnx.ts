/**
 * ONNX detection: a walk over the protobuf wire format of the ModelProto that reads only
 * the small fields (IR version, opsets, producer, graph inputs and outputs) and seeks past
 * the large ones (weights, nodes), each small field decoded with onnx-proto's generated
 * decoders. The whole file must parse as a ModelProto with an IR version and a graph.
 */
import onnxProto from 'onnx-proto';
import { type ArtifactFormat, FORMAT_LIST_CAP, type TensorInfo } from '../../core/formats.js';
import { type FileWindow, MalformedError } from './file-window.js';

const { onnx } = onnxProto;

/** Small fields are read whole up to this size; a bigger one is not a plausible ONNX header field. */
const MAX_SMALL_FIELD = 1024 * 1024;
/** Fields walked before giving up (a graph of a million nodes is read to its end). */
const MAX_FIELDS = 5_000_000;

interface Field {
  number: number;
  wire: number;
  /** Where the payload starts and how long it is (varints: the value in `value`). */
  start: number;
  length: number;
  value?: number;
}

async function readVarint(win: FileWindow, pos: number): Promise<{ value: number; next: number }> {
  const bytes = await win.read(pos, 10);
  let value = 0;
  let scale = 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
    scale *= 128;
  }
  throw new MalformedError(`a truncated varint at byte ${pos}`);
}

/** The fields of the message in [start, end), one by one, checked against the bounds. */
async function* fields(win: FileWindow, start: number, end: number): AsyncGenerator<Field> {
  let pos = start;
  let count = 0;
  while (pos < end) {
    if (++count > MAX_FIELDS) throw new MalformedError(`more than ${MAX_FIELDS} fields`);
    const key = await readVarint(win, pos);
    const number = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (number === 0) throw new MalformedError(`field number 0 at byte ${pos}`);
    pos = key.next;
    if (wire === 0) {
      const v = await readVarint(win, pos);
      yield { number, wire, start: pos, length: v.next - pos, value: v.value };
      pos = v.next;
    } else if (wire === 1 || wire === 5) {
      const length = wire === 1 ? 8 : 4;
      yield { number, wire, start: pos, length };
      pos += length;
    } else if (wire === 2) {
      const len = await readVarint(win, pos);
      yield { number, wire, start: len.next, length: len.value };
      pos = len.next + len.value;
    } else {
      throw new MalformedError(`wire type ${wire} at byte ${pos}`);
    }
    if (pos > end) throw new MalformedError(`field ${number} runs past the end (byte ${pos} of ${end})`);
  }
}

async function payload(win: FileWindow, f: Field, what: string): Promise<Buffer> {
  if (f.wire !== 2) throw new MalformedError(`${what} has wire type ${f.wire}`);
  if (f.length > MAX_SMALL_FIELD) throw new MalformedError(`${what} is ${f.length} bytes`);
  return win.read(f.start, f.length);
}

/** ONNX element types by number, in the usual lower-case names (`float32`, `int64` …). */
function elementType(n: number | null | undefined): string {
  const names = onnx.TensorProto.DataType as unknown as Record<number, string>;
  const raw = n === null || n === undefined ? undefined : names[n];
  if (raw === undefined) return `type${n ?? '?'}`;
  const aliases: Record<string, string> = { FLOAT: 'float32', DOUBLE: 'float64' };
  return aliases[raw] ?? raw.toLowerCase();
}

function tensorOf(bytes: Buffer): TensorInfo {
  const info = onnx.ValueInfoProto.decode(bytes);
  const tensor = info.type?.tensorType;
  if (!tensor) {
    const kind = info.type?.sequenceType ? 'sequence' : info.type?.mapType ? 'map' : 'other';
    return { name: info.name, dtype: kind, shape: null };
  }
  const shape = tensor.shape
    ? (tensor.shape.dim ?? []).map((d) =>
        d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? Number(d.dimValue) : null,
      )
    : null;
  return { name: info.name, dtype: elementType(tensor.elemType), shape };
}

/** Reads an ONNX ModelProto's signature, or throws MalformedError when the bytes are not one. */
export async function detectOnnx(win: FileWindow): Promise<ArtifactFormat> {
  let irVersion: number | undefined;
  let producer = '';
  let producerVersion = '';
  let graph: Field | undefined;
  const opsets: { domain: string; version: number }[] = [];
  for await (const f of fields(win, 0, win.size)) {
    if (f.number === 1) {
      if (f.wire !== 0) throw new MalformedError('ir_version is not a varint');
      irVersion = f.value;
    } else if (f.number === 2) producer = (await payload(win, f, 'producer_name')).toString('utf8');
    else if (f.number === 3) producerVersion = (await payload(win, f, 'producer_version')).toString('utf8');
    else if (f.number === 7) {
      if (f.wire !== 2) throw new MalformedError('graph is not a message');
      graph = f;
    } else if (f.number === 8) {
      const o = onnx.OperatorSetIdProto.decode(await payload(win, f, 'opset_import'));
      opsets.push({ domain: o.domain ?? '', version: Number(o.version) });
    }
  }
  if (irVersion === undefined || irVersion < 1 || irVersion > 100)
    throw new MalformedError('no plausible ir_version');
  if (graph === undefined) throw new MalformedError('no graph');
  const inputs: TensorInfo[] = [];
  const outputs: TensorInfo[] = [];
  const initializers = new Set<string>();
  let graphName = '';
  let truncated = false;
  for await (const f of fields(win, graph.start, graph.start + graph.length)) {
    if (f.number === 2) graphName = (await payload(win, f, 'graph name')).toString('utf8');
    else if (f.number === 11 || f.number === 12) {
      const list = f.number === 11 ? inputs : outputs;
      if (list.length >= FORMAT_LIST_CAP * 4) truncated = true;
      else list.push(tensorOf(await payload(win, f, f.number === 11 ? 'graph input' : 'graph output')));
    } else if (f.number === 5 && f.wire === 2 && initializers.size < FORMAT_LIST_CAP * 4) {
      // before IR 4 weights were listed as inputs too; an initializer's name (field 8) tells them apart
      for await (const t of fields(win, f.start, f.start + f.length)) {
        if (t.number === 8 && t.wire === 2) {
          initializers.add((await payload(win, t, 'initializer name')).toString('utf8'));
          break;
        }
      }
    }
  }
  const realInputs = inputs.filter((i) => !initializers.has(i.name));
  if (realInputs.length > FORMAT_LIST_CAP || outputs.length > FORMAT_LIST_CAP) truncated = true;
  return {
    name: 'onnx',
    irVersion,
    opsets,
    ...(producer ? { producer: producerVersion ? `${producer} ${producerVersion}` : producer } : {}),
    ...(graphName ? { graphName } : {}),
    inputs: realInputs.slice(0, FORMAT_LIST_CAP),
    outputs: outputs.slice(0, FORMAT_LIST_CAP),
    ...(truncated ? { truncated: true } : {}),
  };
}
