// Shared engine vocabulary: diagnostics and source spans.
export * from './diagnostics';
export * from './device-report';
