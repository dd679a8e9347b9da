// Draw a digit with the mouse on a coarse grid (8×8 for scikit-learn digits); values 0..1.
import { useEffect, useRef, useState } from "react";

export default function DrawPad({ rows, cols, onChange, size = 200 }: {
  rows: number; cols: number; onChange: (grid: number[][]) => void; size?: number;
}) {
  const [grid, setGrid] = useState(() => Array.from({ length: rows }, () => Array(cols).fill(0) as number[]));
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const cell = size / cols;
  const height = cell * rows;

  useEffect(() => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    ctx.fillStyle = "#0b0e14";
    ctx.fillRect(0, 0, size, height);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = grid[r][c];
        if (v > 0) {
          ctx.fillStyle = `rgba(226, 232, 255, ${v})`;
          ctx.fillRect(c * cell, r * cell, cell, cell);
        }
      }
    }
    ctx.strokeStyle = "rgba(148,163,184,0.12)";
    ctx.lineWidth = 1;
    for (let i = 1; i < cols; i++) { ctx.beginPath(); ctx.moveTo(i * cell + 0.5, 0); ctx.lineTo(i * cell + 0.5, height); ctx.stroke(); }
    for (let i = 1; i < rows; i++) { ctx.beginPath(); ctx.moveTo(0, i * cell + 0.5); ctx.lineTo(size, i * cell + 0.5); ctx.stroke(); }
  }, [grid, rows, cols, cell, size, height]);

  const paint = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const fx = ((e.clientX - rect.left) / rect.width) * cols;
    const fy = ((e.clientY - rect.top) / rect.height) * rows;
    setGrid((g) => {
      const next = g.map((row) => [...row]);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const d = Math.hypot(c + 0.5 - fx, r + 0.5 - fy);
          const add = d < 0.6 ? 0.6 : d < 1.15 ? 0.22 : 0;
          if (add) next[r][c] = Math.min(1, next[r][c] + add);
        }
      }
      return next;
    });
  };

  const end = () => {
    if (!drawing.current) return;
    drawing.current = false;
    setGrid((g) => {
      onChange(g);
      return g;
    });
  };

  const clear = () => {
    const empty = Array.from({ length: rows }, () => Array(cols).fill(0) as number[]);
    setGrid(empty);
    onChange(empty);
  };

  return (
    <div className="drawpad">
      <canvas
        ref={canvas}
        width={size}
        height={height}
        data-testid="drawpad"
        onPointerDown={(e) => { drawing.current = true; e.currentTarget.setPointerCapture(e.pointerId); paint(e); }}
        onPointerMove={(e) => drawing.current && paint(e)}
        onPointerUp={end}
        onPointerCancel={end}
      />
      <button className="btn small" onClick={clear}>Clear</button>
    </div>
  );
}
