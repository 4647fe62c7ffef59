export { startConsole, type RunningConsole } from './server.js';
export { buildConsoleApp, type ConsoleAppOptions, type RowLookup, type SubscribeLive } from './app.js';
// The shapes of the JSON API, which the page (web/src/api.ts) imports as types only.
export type { ColumnView, TableStats, TableView } from './schema-view.js';
export type { Point } from './metrics-history.js';
export type { WarehouseRow } from './warehouse.js';
