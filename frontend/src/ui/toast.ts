// Transient notices at the bottom of the screen; one may carry an action (the replaced wire's Undo).
import { create } from "zustand";

export interface ToastAction { label: string; run: () => void }

export interface Toast { id: number; kind: "info" | "error" | "good"; text: string; action?: ToastAction }

interface Toasts {
  toasts: Toast[];
  push: (text: string, kind?: Toast["kind"], action?: ToastAction) => number;
  dismiss: (id: number) => void;
}

let next = 1;
export const useToasts = create<Toasts>()((set, get) => ({
  toasts: [],
  push: (text, kind = "info", action) => {
    const id = next++;
    set({ toasts: [...get().toasts.slice(-3), { id, kind, text, ...(action ? { action } : {}) }] });
    // A toast with an action stays long enough to reach its button.
    setTimeout(() => get().dismiss(id), action ? 9000 : kind === "error" ? 7000 : 3500);
    return id;
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}));

export const toast = (text: string, kind?: Toast["kind"], action?: ToastAction) => useToasts.getState().push(text, kind, action);
