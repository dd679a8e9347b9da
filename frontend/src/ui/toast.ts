// Transient notices at the bottom of the screen.
import { create } from "zustand";

export interface Toast { id: number; kind: "info" | "error" | "good"; text: string }

interface Toasts { toasts: Toast[]; push: (text: string, kind?: Toast["kind"]) => void; dismiss: (id: number) => void }

let next = 1;
export const useToasts = create<Toasts>()((set, get) => ({
  toasts: [],
  push: (text, kind = "info") => {
    const id = next++;
    set({ toasts: [...get().toasts.slice(-3), { id, kind, text }] });
    setTimeout(() => get().dismiss(id), kind === "error" ? 7000 : 3500);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}));

export const toast = (text: string, kind?: Toast["kind"]) => useToasts.getState().push(text, kind);
