// The params a layer placed on the canvas starts with: the catalog's defaults, except that an Input
// takes the shape (and dtype) of the data set chosen in the Train panel, so a new graph fits its data.
import { useCatalog } from "../api/catalog";
import type { DatasetInfo } from "../api/types";
import { useGraph } from "../graph/store";
import { useTrainSettings } from "../train/settings/store";

/** `defaults` for `type`, an Input fitted to `dataset`: its k-th input when it has several, where k
 * counts the Inputs already placed (a two-input data set's second Input gets the second shape). */
export function newLayerParams(
  type: string, defaults: Record<string, unknown>, dataset: DatasetInfo | undefined, inputsPlaced: number,
): Record<string, unknown> {
  if (type !== "Input" || !dataset) return defaults;
  const specs = dataset.inputs?.length ? dataset.inputs : [{ shape: dataset.input_shape, dtype: dataset.input_dtype }];
  const spec = specs[inputsPlaced];
  if (!spec || !spec.shape.length) return defaults;
  return { ...defaults, shape: [...spec.shape], dtype: spec.dtype ?? "float32" };
}

/** newLayerParams for the graph on screen and the Train panel's data set (defaults until the data
 * sets have loaded). */
export function paramsForNewLayer(type: string, defaults: Record<string, unknown>): Record<string, unknown> {
  const id = useTrainSettings.getState().dataset;
  const dataset = useCatalog.getState().datasets?.find((d) => d.id === id);
  const placed = useGraph.getState().nodes.filter((n) => n.data.type === "Input").length;
  return newLayerParams(type, defaults, dataset, placed);
}
