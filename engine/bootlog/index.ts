// The live half of the workbench: a streaming parser for serial boot logs and the per-device live
// state folded from its events (what the kernel did, set beside engine/probe's prediction).
export * from './events';
export { createBootLogParser } from './parser';
export { LiveState, liveDevices, nodeIndexFromDevices } from './live-state';
export type { DeviceNodeIndex, LiveDeviceReport, LiveEvidence, LogCoverage } from './live-state';
export { splitPrefix } from './prefix';
export { cleanLine, LineFramer, splitConsoleLines } from './line-framer';
export type { LineSink } from './line-framer';
export { createUtf8Decoder, utf8Decode, Utf8Decoder } from './utf8';
export type { Utf8StreamDecoder } from './utf8';
export { recogniseMessage } from './recognise';
export { parseBootLog } from './whole-log';
