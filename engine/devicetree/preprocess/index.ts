// Public face of the device-tree C preprocessor (cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp).
// engine/devicetree/index.ts re-exports this; nothing imports deeper than this file.
export { preprocess, createPreprocessCache, contentsOf, PREDEFINED_MACROS } from './preprocessor';
export type { PreprocessOptions, PreprocessCache, ReadFile, FileContents } from './preprocessor';
