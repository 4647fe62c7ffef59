#!/usr/bin/env node
// Committed entry point: it exists before `npm run build`, so npm can link it on a fresh `npm ci`.
import '../dist/main.js';
