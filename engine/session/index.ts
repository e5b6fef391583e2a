// Session files, their recovery, exports and imports: pure data code shared by the main process
// recorder (electron/services/sessions), the CLI (`bringup session`) and the renderer.
export * from './bytes';
export * from './checksums';
export * from './format';
export * from './decoder';
export * from './migrations';
export * from './session-data';
export * from './lines';
export * from './export-text';
export * from './export-json';
export * from './export-junit';
export * from './export-html';
export * from './report-model';
export * from './tar';
export * from './bundle';
export * from './import-log';
