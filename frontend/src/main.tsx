import "@xyflow/react/dist/base.css";
import "./styles.css";
import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { queryClient } from "./api/query";
import App from "./App";
import { restoreAutosave, startAutosave, startValidation } from "./graph/subscribers";
import { restoreUndoHistory, startUndoPersist } from "./graph/undoPersist";

restoreAutosave();
restoreUndoHistory(); // after the autosave: it belongs to the graph that brings back
startUndoPersist();
startValidation();
startAutosave();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
