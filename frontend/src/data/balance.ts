// Class balance rows for the preview: one row per class (in class order), counts per split, and
// each split's share of the widest bar (the class with the most samples over all splits).

export interface BalanceRow {
  name: string;
  counts: Record<string, number>;
  total: number;
  fractions: Record<string, number>; // of the largest class total, so stacked bars compare
}

export function balanceRows(balance: Record<string, Record<string, number>>, classNames: string[] | null): BalanceRow[] {
  const splits = Object.keys(balance);
  const names = classNames?.length ? [...classNames] : [];
  for (const s of splits) for (const n of Object.keys(balance[s])) if (!names.includes(n)) names.push(n);
  const rows = names.map((name) => {
    const counts = Object.fromEntries(splits.map((s) => [s, balance[s][name] ?? 0]));
    return { name, counts, total: Object.values(counts).reduce((a, b) => a + b, 0), fractions: {} as Record<string, number> };
  });
  const max = Math.max(1, ...rows.map((r) => r.total));
  for (const r of rows) r.fractions = Object.fromEntries(splits.map((s) => [s, r.counts[s] / max]));
  return rows;
}
