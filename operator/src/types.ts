/** The shapes the operator works with: the custom resource it reads and the objects it applies. */
import type { EventPipelineSpec, EventPipelineStatus } from '@eventpipe/core';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object, as plain JSON: what the operator server-side applies. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  [field: string]: unknown;
}

/** An `EventPipeline` as read from the API server (the spec has the CRD's defaults applied). */
export interface EventPipeline {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: EventPipelineSpec;
  status?: EventPipelineStatus;
}

/** What the desired state depends on besides the pipeline: read from the cluster or decided by the operator. */
export interface DesiredContext {
  /** The image the pods run when the spec names none: the operator's own image and version. */
  operatorImage: string;
  /**
   * The loader replicas the lag scaler decided. Kept within `[loader.replicas,
   * loader.autoscaling.maxReplicas]`; without `autoscaling`, the loaders run `loader.replicas`.
   */
  loaderReplicas: number;
  /**
   * Set only when no HorizontalPodAutoscaler manages the collectors (the cluster does not serve
   * autoscaling/v2): the Deployment then carries this replica count itself. Otherwise the
   * Deployment leaves `replicas` to the HPA, so the operator and the HPA never fight over it.
   */
  collectorReplicas?: number;
}
