// Public face of the device-tree compiler: the tree model, its front ends (DTS source, DTB) and back
// ends (DTB, DTS, JSON), overlays and checks. Nothing outside engine/devicetree imports deeper than this.
export * from './tree';
export { readDtb, looksLikeDtb, FDT_MAGIC } from './dtb-read';
export { writeDtb, type WriteDtbOptions } from './dtb-write';
export { printDts } from './dts-print';
export { treeToJson, treeFromJson, type JsonTree, type JsonNode, type JsonProperty, type JsonChunk } from './json';
export { applyOverlay, type OverlayOptions } from './overlay';
export { runChecks, checkLevels, parseCheckSwitch, CHECKS, type CheckLevel, type CheckSwitch } from './checks';
export { loadDeviceTree, compileSource, type LoadOptions } from './load';
export { preprocess, createPreprocessCache, type PreprocessCache, type ReadFile, type FileContents } from './preprocess';
