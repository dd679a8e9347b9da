// Asks before deleting a run; an active one is stopped first by the server, which may refuse
// (still stopping): its sentence shows here and the run stays.
import { useState } from "react";
import type { RunSummary } from "../../api/types";
import { Modal } from "../../ui/Modal";

const ACTIVE = new Set(["queued", "running"]);

export function DeleteRunDialog({ run, onDelete, onClose }: {
  run: RunSummary; onDelete: () => Promise<unknown>; onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const active = ACTIVE.has(run.status);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onDelete();
      onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title="Delete run" onClose={busy ? () => undefined : onClose} testid="delete-run-dialog">
      <p>Delete <b>{run.name}</b>, its history, its trained model and its files? This cannot be undone.</p>
      {active && <div className="callout warn" data-testid="delete-run-active">This run is {run.status}: it is stopped first.</div>}
      {error && <div className="callout bad" data-testid="delete-run-error">{error}</div>}
      <div className="dialog-actions">
        <button className="btn" onClick={onClose} disabled={busy}>Keep it</button>
        <button className="btn danger confirm" onClick={() => void confirm()} disabled={busy} data-testid="confirm-delete-run">
          {busy ? (active ? "Stopping and deleting…" : "Deleting…") : active ? "Stop and delete" : "Delete run"}
        </button>
      </div>
    </Modal>
  );
}
