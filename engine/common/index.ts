// Shared engine vocabulary: diagnostics and source spans, and the one multimap helper.
export * from './diagnostics';
export * from './device-report';
export * from './multimap';
