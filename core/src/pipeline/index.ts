export * from './spec.js';
export * from './runtime.js';
