// A handful of inline stroke icons (no icon font, no dependency).
const PATHS: Record<string, string> = {
  undo: "M9 14 4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11",
  redo: "m15 14 5-5-5-5M20 9H9.5a5.5 5.5 0 0 0 0 11H13",
  "layout-lr": "M3 6h5v4H3zM3 14h5v4H3zM16 10h5v4h-5zM8 8h4v8H8m4-4h4",
  "layout-tb": "M6 3h4v5H6zM14 3h4v5h-4zM10 16h4v5h-4zM8 8v4h8V8m-4 4v4",
  plus: "M12 5v14M5 12h14",
  minus: "M5 12h14",
  fit: "M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5",
  grid: "M4 4h16v16H4zM4 10h16M4 15h16M10 4v16M15 4v16",
  play: "M7 4v16l13-8z",
  stop: "M6 6h12v12H6z",
  save: "M5 3h11l3 3v15H5zM8 3v6h8V3M8 21v-7h8v7",
  open: "M3 7V5h7l2 2h9v12H3zM3 7h18",
  upload: "M12 16V4m-5 5 5-5 5 5M4 20h16",
  download: "M12 4v12m-5-5 5 5 5-5M4 20h16",
  table: "M4 5h16v14H4zM4 10h16M4 15h16M10 10v9",
  trash: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13",
  copy: "M8 8h12v12H8zM4 16V4h12",
  close: "M6 6l12 12M18 6 6 18",
  template: "M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z",
  canvas: "M4 6h5v4H4zM15 14h5v4h-5zM9 8h3v8h3",
  runs: "M4 19h16M6 16V9M11 16V5M16 16v-4",
  external: "M14 4h6v6M20 4l-9 9M18 14v6H4V6h6",
  check: "m5 12 5 5 9-11",
  keyboard: "M3 7h18v10H3zM7 11h.01M11 11h.01M15 11h.01M8 14h8",
  code: "m8 7-5 5 5 5M16 7l5 5-5 5M13.5 5l-3 14",
  lock: "M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3",
  unlock: "M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 6.8-1.2",
  weights: "M6 7v10M3.5 9.5v5M18 7v10M20.5 9.5v5M6 12h12",  // a dumbbell: load weights
};

export function Icon({ name, size = 16 }: { name: string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8}
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={PATHS[name] ?? ""} />
    </svg>
  );
}
