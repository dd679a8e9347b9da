// The one file picker of the upload dialogs (import a model, load weights, load word vectors): a
// click-or-drop zone over a hidden file input that shows the chosen file's name and size.
import { useRef } from "react";
import { fmtBytes } from "../data/uploadOptions";
import { useFileDrop } from "./files";
import { Icon } from "./Icon";

export function FileDropZone({ accept, file, onPick, what, inputTestid, nameTestid }: {
  accept: string;
  file: File | null;
  onPick: (file: File) => void;
  /** "a weights file": the prompt says "Drop a weights file here or choose one". */
  what: string;
  inputTestid: string;
  nameTestid: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  const drop = useFileDrop(onPick);
  return (
    <>
      <input ref={input} type="file" accept={accept} hidden data-testid={inputTestid}
        onChange={(e) => { const f = e.target.files?.[0]; if (f) onPick(f); e.target.value = ""; }} />
      <div className={`dropzone compact${drop.over ? " over" : ""}${file ? " chosen" : ""}`} role="button" tabIndex={0}
        onClick={() => input.current?.click()} onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && input.current?.click()}
        {...drop.props}>
        <span className="dz-icon"><Icon name="upload" size={20} /></span>
        {file ? (
          <span className="dz-title" data-testid={nameTestid}>{file.name} <span className="dim small">· {fmtBytes(file.size)}</span></span>
        ) : (
          <span className="dz-sub">Drop {what} here or <span className="link">choose one</span></span>
        )}
      </div>
    </>
  );
}
