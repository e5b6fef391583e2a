// Public face of the device-tree compiler: the tree model, its front ends (DTS source, DTB) and back
// ends (DTB, DTS, JSON), overlays and checks. Nothing outside engine/devicetree imports deeper than this.
export * from './tree';
export { readDtb, looksLikeDtb, FDT_MAGIC } from './dtb-read';
