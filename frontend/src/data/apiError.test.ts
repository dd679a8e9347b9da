import { describe, expect, it } from "vitest";
import { apiError } from "../api/client";

describe("apiError (uploads, imports and downloads read their own responses)", () => {
  it("takes the server's sentence from a JSON detail", () => {
    const e = apiError(422, '{"detail": "flowers.csv: line 3 has 2 fields, the header has 3."}', "fallback");
    expect(e.status).toBe(422);
    expect(e.message).toBe("flowers.csv: line 3 has 2 fields, the header has 3.");
  });

  it("joins a problems detail and FastAPI's validation list", () => {
    const problems = JSON.stringify({ detail: { message: "The graph has problems.", problems: [{ message: "Dense has no input." }] } });
    expect(apiError(422, problems, "x").message).toBe("The graph has problems. Dense has no input.");
    const list = JSON.stringify({ detail: [{ loc: ["body", "file"], msg: "Field required" }] });
    expect(apiError(422, list, "x").message).toBe("file: Field required");
  });

  it("keeps a plain-text body and falls back on an empty one", () => {
    expect(apiError(502, "Bad Gateway", "x").message).toBe("Bad Gateway");
    expect(apiError(500, "", "The upload failed (HTTP 500).").message).toBe("The upload failed (HTTP 500).");
  });
});
