// Hash routes: #/ (canvas), #/runs, #/runs/ID (live view of one run), #/compare/ID,ID, #/data[/ID],
// #/sweeps, #/sweeps/ID.
// A "?query" after the path belongs to the page (the runs list keeps its filters there), not the route.
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "canvas" }
  | { page: "runs" }
  | { page: "run"; id: string }
  | { page: "compare"; ids: string[] }
  | { page: "data"; id?: string | null }
  | { page: "sweeps" }
  | { page: "sweep"; id: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("?")[0].split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "runs" && parts[1]) return { page: "run", id: parts[1] };
  if (parts[0] === "runs") return { page: "runs" };
  if (parts[0] === "compare" && parts[1]) return { page: "compare", ids: parts[1].split(",") };
  if (parts[0] === "data") return { page: "data", id: parts[1] ?? null };
  if (parts[0] === "sweeps" && parts[1]) return { page: "sweep", id: parts[1] };
  if (parts[0] === "sweeps") return { page: "sweeps" };
  return { page: "canvas" };
}

export function href(route: Route): string {
  switch (route.page) {
    case "canvas": return "#/";
    case "runs": return "#/runs";
    case "run": return `#/runs/${encodeURIComponent(route.id)}`;
    case "compare": return `#/compare/${route.ids.map(encodeURIComponent).join(",")}`;
    case "data": return route.id ? `#/data/${encodeURIComponent(route.id)}` : "#/data";
    case "sweeps": return "#/sweeps";
    case "sweep": return `#/sweeps/${encodeURIComponent(route.id)}`;
  }
}

export const navigate = (route: Route) => { location.hash = href(route); };

const subscribe = (cb: () => void) => {
  window.addEventListener("hashchange", cb);
  return () => window.removeEventListener("hashchange", cb);
};

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => location.hash, () => "");
}
