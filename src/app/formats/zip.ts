/**
 * PyTorch and TorchScript detection: both are zip archives under one top folder. A PyTorch
 * checkpoint (`torch.save`) holds `<root>/data.pkl` and `<root>/version` (or
 * `<root>/.data/version`); TorchScript (`torch.jit.save`) adds `<root>/constants.pkl` and
 * `<root>/code/`. Only the central directory is read, with yauzl.
 */
import yauzl from 'yauzl';
import type { ArtifactFormat } from '../../core/formats.js';
import { MalformedError } from './file-window.js';

/** Entries listed before giving up on an archive. */
const MAX_ENTRIES = 200_000;

/** Whether the bytes start a zip archive (a local file header, or the end record of an empty one). */
export function looksLikeZip(head: Buffer): boolean {
  return (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    [3, 5].includes(head[2]!) &&
    [4, 6].includes(head[3]!)
  );
}

async function entryNames(path: string): Promise<string[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: true, strictFileNames: false });
  } catch (e) {
    throw new MalformedError(`a zip archive that cannot be read (${(e as Error).message})`);
  }
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      names.push(entry.fileName);
      if (names.length >= MAX_ENTRIES) {
        zip.close();
        resolve(names);
      } else zip.readEntry();
    });
    zip.on('end', () => resolve(names));
    zip.on('error', (e: Error) => reject(new MalformedError(`a damaged zip archive (${e.message})`)));
    zip.readEntry();
  });
}

/** A PyTorch checkpoint or TorchScript module, or `unknown` for another zip archive. */
export async function detectZip(path: string): Promise<ArtifactFormat> {
  const names = new Set(await entryNames(path));
  const roots = new Set([...names].map((n) => n.split('/')[0]!).filter((r) => r !== ''));
  for (const root of roots) {
    const has = (rel: string) => names.has(`${root}/${rel}`);
    const hasFolder = (rel: string) => [...names].some((n) => n.startsWith(`${root}/${rel}/`));
    if (!has('data.pkl')) continue;
    if (has('constants.pkl') || hasFolder('code')) return { name: 'torchscript', archiveRoot: root };
    if (has('version') || has('.data/version')) return { name: 'pytorch', archiveRoot: root };
  }
  return {
    name: 'unknown',
    reason: `a zip archive of ${names.size} entries that is neither a PyTorch checkpoint (<root>/data.pkl and <root>/version) nor TorchScript`,
  };
}
