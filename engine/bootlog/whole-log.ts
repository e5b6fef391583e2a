// Convenience for whole captures (a file on disk, a pasted log): the streaming parser fed in
// fixed-size chunks, so a whole file never needs more than one chunk of extra memory.
import type { BootEvent, BootLogOptions, BootLogStats } from './events';
import { createBootLogParser } from './parser';

export interface ParsedBootLog {
  events: BootEvent[];
  stats: BootLogStats;
}

export function parseBootLog(bytes: Uint8Array, options: BootLogOptions = {}, hostTime = 0, chunkSize = 1 << 16): ParsedBootLog {
  const parser = createBootLogParser(options);
  const events: BootEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) {
    for (const e of parser.feed(bytes.subarray(i, i + chunkSize), hostTime)) events.push(e);
  }
  for (const e of parser.finish(hostTime)) events.push(e);
  return { events, stats: { ...parser.stats, kernelBoots: parser.stats.kernelBoots.slice(), kernelStartBoots: parser.stats.kernelStartBoots.slice() } };
}
