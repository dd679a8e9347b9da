// Published data sets (MNIST, Fashion-MNIST, CIFAR-10) that are not on this server yet: download
// them (the server verifies the published checksums), or, offline, see which files to put where.
import { useEffect, useState } from "react";
import { useCatalog } from "../api/catalog";
import { request } from "../api/client";
import type { components } from "../api/schema";
import type { DatasetInfo, ListOf } from "../api/types";
import { Icon } from "../ui/Icon";
import { navigate } from "../ui/route";
import { toast } from "../ui/toast";

type PublishedStatus = components["schemas"]["PublishedStatus"];

const published = () => request<ListOf<PublishedStatus>>("GET", "/api/datasets/published");
const download = (id: string) =>
  request<DatasetInfo>("POST", `/api/datasets/published/${encodeURIComponent(id)}/download`);

export default function PublishedSets() {
  const [sets, setSets] = useState<PublishedStatus[] | null>(null);
  useEffect(() => {
    let current = true;
    published().then((r) => current && setSets(r.data), () => current && setSets([]));
    return () => {
      current = false;
    };
  }, []);
  const missing = sets?.filter((s) => !s.present) ?? [];
  if (!missing.length) return null;
  return (
    <section className="ds-group" data-testid="published-sets">
      <div className="panel-sub">Published · not downloaded</div>
      <ul className="ds-list">
        {missing.map((s) => (
          <PublishedItem key={s.id} set={s} onDone={() => setSets((old) => old?.map((o) => (o.id === s.id ? { ...o, present: true } : o)) ?? null)} />
        ))}
      </ul>
    </section>
  );
}

function PublishedItem({ set, onDone }: { set: PublishedStatus; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fetchSet = async () => {
    setBusy(true);
    setError(null);
    try {
      const info = await download(set.id);
      toast(`Downloaded ${info.name}`, "good");
      await useCatalog.getState().loadDatasets();
      onDone();
      navigate({ page: "data", id: info.id });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="ds-item published" data-testid={`published-${set.id}`}>
      <span className="ds-item-top">
        <span className="ds-name">{set.name}</span>
        <button className="btn small" onClick={fetchSet} disabled={busy} data-testid={`download-${set.id}`}>
          <Icon name="download" size={14} /> {busy ? "Downloading…" : "Download"}
        </button>
      </span>
      <span className="ds-item-meta">{set.files.length} files, checked against the published checksums</span>
      {error && (
        <div className="published-error" role="alert" data-testid={`published-error-${set.id}`}>
          <div>{error}</div>
          <details>
            <summary>Offline? Put these files in the folder by hand</summary>
            <div className="mono small folder">{set.folder}</div>
            <ul>{set.files.map((f) => (<li key={f.name}><a href={f.url} className="mono">{f.name}</a></li>))}</ul>
          </details>
        </div>
      )}
    </li>
  );
}
