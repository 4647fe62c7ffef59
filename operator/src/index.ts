/** The custom resource the operator reconciles: `EventPipeline` in the `eventpipe.io` API group. */
export const API_GROUP = 'eventpipe.io';
export const API_VERSION = 'v1alpha1';
export const KIND = 'EventPipeline';
