// Tells what a dropped file is from its first bytes, not its name.
import { type ByteSource, readAt } from './bytesource';
import { ET_CORE, isElf } from './elf/elf';

export type InputKind = 'core' | 'binary' | 'gzip' | 'unknown';

export async function detectKind(src: ByteSource): Promise<InputKind> {
  const b = await readAt(src, 0, 20);
  if (isElf(b) && b.length >= 18) {
    const type = b[16] | (b[17] << 8);
    return type === ET_CORE ? 'core' : 'binary';
  }
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  return 'unknown';
}
