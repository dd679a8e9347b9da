// Architecture templates from the server (GET /api/templates): keras.applications models as graphs,
// sized on the server for the chosen input size, top and classes (backend/netcanvas/templates).
import { request } from "../api/client";
import type { components } from "../api/schema";
import type { GraphJson, ListOf } from "../api/types";

export type ArchitectureInfo = components["schemas"]["TemplateInfo"];
export type ArchitectureVariant = components["schemas"]["TemplateVariant"];

export interface ArchitectureChoice {
  includeTop: boolean;
  inputSize: number;
  classes: number;
}

export const defaultChoice = (info: ArchitectureInfo): ArchitectureChoice =>
  ({ includeTop: false, inputSize: info.default_input_size, classes: info.default_classes });

/** The sentence the server would answer for this choice (its bounds come from the listing), or null. */
export function choiceProblem(info: ArchitectureInfo, c: ArchitectureChoice): string | null {
  if (!Number.isInteger(c.inputSize)) return "The input size must be a whole number of pixels.";
  if (c.inputSize < info.min_input_size) return `${info.title} takes images of at least ${info.min_input_size}×${info.min_input_size} (Keras's rule).`;
  if (c.inputSize > info.max_input_size) return `The input size can be at most ${info.max_input_size}.`;
  if (c.includeTop && (!Number.isInteger(c.classes) || c.classes < 1 || c.classes > info.max_classes)) {
    return `The number of classes must be a whole number from 1 to ${info.max_classes}.`;
  }
  return null;
}

export function templateUrl(name: string, c: ArchitectureChoice): string {
  const q = new URLSearchParams({ include_top: String(c.includeTop), input_size: String(c.inputSize) });
  if (c.includeTop) q.set("classes", String(c.classes));
  return `/api/templates/${encodeURIComponent(name)}?${q}`;
}

export const fetchArchitectures = () => request<ListOf<ArchitectureInfo>>("GET", "/api/templates");
export const fetchArchitecture = (name: string, c: ArchitectureChoice) => request<GraphJson>("GET", templateUrl(name, c));
