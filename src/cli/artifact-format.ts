/** How the CLI shows an artifact's detected format (loaded by the actions that print one). */
import { type ArtifactFormat, describeFormat, describeTensor, type TensorInfo } from '../core/formats.js';

export { pickleWarning } from '../core/formats.js';

/** The detected format for `models info`: its summary, then the signature an ONNX or safetensors file declares. */
export function formatLines(format: ArtifactFormat | undefined): string[] {
  const list = (items: TensorInfo[] | undefined, total = items?.length ?? 0) =>
    items && items.length > 0
      ? `${items.slice(0, 8).map(describeTensor).join(', ')}${total > 8 ? ` … and ${total - 8} more` : ''}`
      : '-';
  const lines = [`  format       ${describeFormat(format)}`];
  if (format?.name === 'onnx') {
    lines.push(`  inputs       ${list(format.inputs)}`, `  outputs      ${list(format.outputs)}`);
  }
  if (format?.name === 'safetensors')
    lines.push(`  tensors      ${list(format.tensors, format.tensorCount)}`);
  return lines;
}
