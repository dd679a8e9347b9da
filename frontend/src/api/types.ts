import type { components } from "./schema";

// Shapes of the HTTP API (docs/api.md). Where the generated OpenAPI types (schema.d.ts) describe a
// shape precisely they are used; free-form JSON (layer schemas, metrics) stays loosely typed here.

export type Shape = (number | null)[];

export interface GraphNodeJson {
  id: string;
  type: string;
  name?: string | null;
  params: Record<string, unknown>;
  // Written only when false (frozen), so graphs without frozen nodes stay as they were.
  trainable?: boolean;
  position?: { x: number; y: number } | null;
  // For type "Block": the name of its definition in GraphJson.blocks (graph/blockFormat.ts).
  block?: string | null;
}

/** A named sub-graph: its Input nodes are its input ports in node order; `outputs` (or the nodes
 * nothing inside reads from) its output ports. */
export interface BlockDefJson {
  nodes: GraphNodeJson[];
  edges: GraphEdgeJson[];
  outputs?: string[] | null;
}

export interface GraphEdgeJson {
  source: string;
  target: string;
  source_port?: number;
  target_port?: number;
}

export interface GraphJson {
  format: "netcanvas.graph/1";
  name: string;
  nodes: GraphNodeJson[];
  edges: GraphEdgeJson[];
  outputs?: string[] | null;
  blocks?: Record<string, BlockDefJson>;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  [key: string]: unknown;
}


type Schemas = components["schemas"];

// The generated types, except where a field is free-form JSON the front end reads more closely.
export type LayerInfo = Omit<Schemas["LayerInfo"], "params_schema" | "defaults"> & {
  params_schema: JsonSchema;
  defaults: Record<string, unknown>;
};
export type Problem = Schemas["Problem"];
export type NodeReport = Schemas["NodeReport"];
export type ValidateResult = Schemas["ValidationReport"];
export type GraphPublic = Omit<Schemas["GraphPublic"], "graph"> & { graph: GraphJson };
export type DatasetInfo = Schemas["DatasetInfo"];
export type OptimizerSettings = Partial<Schemas["OptimizerSettings"]> & { type: Schemas["OptimizerSettings"]["type"] };
// Fields with server defaults may be left out of a request.
export type RunRequest = Partial<Omit<Schemas["RunRequest"], "graph" | "optimizer">> & {
  dataset: string;
  graph?: GraphJson | null;
  optimizer?: OptimizerSettings;
};
export type RunStatus = Schemas["RunSummary"]["status"];
export type FinalRunStatus = Schemas["FinalRunStatus"];
// A metric that is not finite (a diverging loss) comes as null.
export type Metrics = Record<string, number | null>;
export type EpochRecord = Schemas["EpochRecord"];
export type RunSummary = Schemas["RunSummary"];
export type RunPublic = Omit<Schemas["RunPublic"], "graph"> & { graph: GraphJson };
export type DatasetPreview = Schemas["DatasetPreview"];
export type PreviewSample = Schemas["Sample"];
export type DatasetSamples = Schemas["DatasetSamples"];
export type CodePublic = Schemas["CodePublic"];
export type EvaluateResult = {
  metrics: Metrics;
  confusion_matrix: number[][] | null;
  class_names: string[] | null;
};

// One message of the run stream, generated from the backend's event union (training/events.py).
export type RunEvent = Schemas["RunEvent"];

export interface ListOf<T> {
  data: T[];
  count: number;
}
