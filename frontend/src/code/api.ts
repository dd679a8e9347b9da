// POST /api/graphs/code: the PyTorch and Keras source of a graph (backend api/routes/models.py).
import { request } from "../api/client";
import type { CodePublic, GraphJson } from "../api/types";

export type GraphCode = CodePublic;

export const graphCode = (graph: GraphJson, signal?: AbortSignal) =>
  request<GraphCode>("POST", "/api/graphs/code", { graph }, signal);
