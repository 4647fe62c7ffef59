#!/usr/bin/env node
// Committed entry point: it exists before `npm run build`, so npm can link it on a fresh `npm ci`.
// Telemetry first: the OpenTelemetry SDK must be running before the command imports fastify.
const { startProcessTelemetry } = await import('../dist/telemetry.js');
await startProcessTelemetry(process.argv.slice(2), process.env);
await import('../dist/main.js');
