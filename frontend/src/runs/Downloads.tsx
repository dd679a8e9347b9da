// A run's Download card. Formats other than model.pt are rendered by the server on first request
// and can be refused (422: e.g. a layer with no Keras counterpart): the file is fetched first, so
// a refusal shows its sentence here instead of saving an error JSON as model.h5.
import { useState } from "react";
import { apiError, artifactUrl } from "../api/client";
import { saveBlob } from "../ui/files";
import { Icon } from "../ui/Icon";
import { dispositionName, downloadList } from "./downloads";

export default function Downloads({ runId, artifacts, final }: { runId: string; artifacts: string[]; final: boolean }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const items = downloadList(artifacts);

  const fetchFile = async (name: string) => {
    setBusy(name);
    setErrors(({ [name]: _gone, ...rest }) => rest);
    try {
      const res = await fetch(artifactUrl(runId, name));
      if (!res.ok) throw apiError(res.status, await res.text(), `${name} could not be made (HTTP ${res.status}).`);
      saveBlob(await res.blob(), dispositionName(res.headers.get("content-disposition"), name));
    } catch (err) {
      setErrors((e) => ({ ...e, [name]: (err as Error).message }));
    } finally {
      setBusy(null);
    }
  };

  if (!items.length) {
    return <div className="dim small">{final ? "No files were stored for this run." : "Files appear when training ends."}</div>;
  }
  return (
    <ul className="artifacts">
      {items.map((a) => (
        <li key={a.name}>
          <a href={artifactUrl(runId, a.name)} download={a.name} data-testid={`artifact-${a.name}`}
            aria-busy={busy === a.name}
            onClick={(e) => { e.preventDefault(); if (!busy) void fetchFile(a.name); }}>
            <Icon name="download" /> {a.name}{busy === a.name && <span className="dim small"> · preparing…</span>}
          </a>
          <span className="dim small">{a.label}</span>
          {errors[a.name] && <span className="artifact-error" role="alert" data-testid={`artifact-error-${a.name}`}>{errors[a.name]}</span>}
        </li>
      ))}
    </ul>
  );
}
