// Expected vs actual: the probe model's prediction set beside the live boot log, per device, with
// bind-order statistics and a JUnit rendering for CI; and the pipeline (board + log → verdicts) every
// caller runs: the CLI, the app's worker and session exports.
export { compareDevices, countInversions } from './compare';
export type { BindInversion, BindOrderComparison, Comparison, CompareClock, CompareCoverage, CompareField, CompareOptions, DeviceComparison, FieldDifference, Verdict } from './compare';
export { anchorToLog, compareBoot, LogFacts, pciFunctionsOf, dueTimes, predictedMoments, type AnchoredOptions, type BootComparison, type BootComparisonInput, type LogAnchoring } from './pipeline';
export { comparisonToJunit, junitSuiteName, junitTimestamp, type JunitOptions } from './junit';
