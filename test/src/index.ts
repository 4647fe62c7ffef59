// Test helpers shared by the integration suites; the servers themselves come from @eventpipe/local.
export {};
