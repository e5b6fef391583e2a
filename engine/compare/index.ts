// Expected vs actual: the probe model's prediction set beside the live boot log, per device, with
// bind-order statistics and a JUnit rendering for CI.
export { compareDevices, countInversions } from './compare';
export type { BindInversion, BindOrderComparison, Comparison, CompareCoverage, CompareField, CompareOptions, DeviceComparison, FieldDifference, Verdict } from './compare';
export { comparisonToJunit, type JunitOptions } from './junit';
