/** The custom resource the operator reconciles: `EventPipeline` in the `eventpipe.io` API group. */
export { API_GROUP, API_VERSION, KIND, PLURAL } from '@eventpipe/core';
export * from './types.js';
export * from './desired/index.js';
export { renderPipelines, RenderError, UID_PLACEHOLDER, type RenderOptions } from './render.js';
