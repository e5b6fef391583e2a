// Public face of engine/bindings: dt-validate's output (dtschema) read, placed on the device tree with
// source spans, and related to the probe prediction. Pure: running the checker is electron/services/bindings.ts.
export type { BindingFinding, BindingFindingKind, BindingsReport, BindingsStatus, RawBindingFinding } from './types';
export { parseValidateJson, parseValidateText } from './parse';
export { mapFindings, groupByNode, bindingsReport, findingToDiagnostic, findingSentence, OWN_CHECK } from './map';
export { cellCountFindings, withOwnFindings, CELL_CHECKS } from './cells';
export { findingsForDevice, findingCounts, type RelatedFindings } from './relate';
export {
  DTSCHEMA_VERSION,
  ENABLE_BINDINGS,
  BindingsError,
  findDtschema,
  kernelVersionOf,
  processedSchemaPath,
  processedSchemaVersion,
  assertSchemaVersion,
  ensureProcessedSchema,
  hasJsonOutput,
  runDtValidate,
  checkBindings,
  type BindingsHost,
  type Dtschema,
  type Ran,
  type CheckBindingsOptions,
} from './checker';
