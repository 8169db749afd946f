import type { FileHandle } from 'node:fs/promises';

/**
 * Positioned reads of a file that never hold more than what was asked for, so that
 * detecting the format of a multi-GB artifact reads kilobytes, not the file.
 */
export class FileWindow {
  constructor(
    private readonly handle: FileHandle,
    /** The file's size in bytes. */
    readonly size: number,
  ) {}

  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    const n = Math.max(0, Math.min(length, this.size - position));
    const buffer = Buffer.alloc(n);
    if (n === 0) return buffer;
    const { bytesRead } = await this.handle.read(buffer, 0, n, position);
    return buffer.subarray(0, bytesRead);
  }
}

/** Thrown by a detector that found the bytes malformed: the detection answers `unknown` with this reason. */
export class MalformedError extends Error {
  override readonly name = 'MalformedError';
}
