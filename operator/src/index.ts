/** The custom resource the operator reconciles: `EventPipeline` in the `eventpipe.io` API group. */
export { API_GROUP, API_VERSION, KIND, PLURAL } from '@eventpipe/core';
export * from './types.js';
export * from './desired/index.js';
export { renderPipelines, RenderError, UID_PLACEHOLDER, type RenderOptions } from './render.js';
export {
  startOperator,
  FIELD_MANAGER,
  PAUSED_ANNOTATION,
  STREAM_FINALIZER,
  type OperatorOptions,
  type RunningOperator,
} from './controller.js';
export { loadKubeConfig } from './kube/config.js';
export { nextStatus, setCondition, type Observation } from './status.js';
export { decideReplicas, type ScalingPolicy } from './scaling.js';
export { createOperatorMetrics, type OperatorMetrics, type ReconcileResult } from './metrics.js';
export { KubeClient, KubeError, isStatus } from './kube/client.js';
