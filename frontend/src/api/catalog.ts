// Server-provided catalogues: the layer registry and the data sets. Fetched once, shared.
import { create } from "zustand";
import { api } from "./client";
import type { DatasetInfo, LayerInfo } from "./types";

interface Catalog {
  layers: LayerInfo[] | null;
  byType: Record<string, LayerInfo>;
  layersError: string | null;
  datasets: DatasetInfo[] | null;
  datasetsError: string | null;
  loadLayers: () => Promise<void>;
  loadDatasets: () => Promise<void>;
}

export const useCatalog = create<Catalog>()((set, get) => ({
  layers: null,
  byType: {},
  layersError: null,
  datasets: null,
  datasetsError: null,
  loadLayers: async () => {
    if (get().layers) return;
    try {
      const { data } = await api.layers();
      set({ layers: data, byType: Object.fromEntries(data.map((l) => [l.type, l])), layersError: null });
    } catch (err) {
      set({ layersError: (err as Error).message });
    }
  },
  loadDatasets: async () => {
    try {
      const { data } = await api.datasets();
      set({ datasets: data, datasetsError: null });
    } catch (err) {
      set({ datasetsError: (err as Error).message });
    }
  },
}));

export const FAMILY_ORDER = [
  "input", "core", "convolution", "pooling", "recurrent", "attention", "normalization", "preprocessing",
  "augmentation", "noise", "merge", "reshaping", "activation", "wrapper",
];

export const FAMILY_LABEL: Record<string, string> = {
  input: "Input",
  core: "Core",
  convolution: "Convolution",
  pooling: "Pooling",
  recurrent: "Recurrent",
  normalization: "Normalization",
  merge: "Merge",
  reshaping: "Reshaping",
  activation: "Activation",
  preprocessing: "Preprocessing",
  augmentation: "Augmentation",
  attention: "Attention",
  wrapper: "Wrappers",
  noise: "Dropout and noise",
};
