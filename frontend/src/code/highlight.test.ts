import { describe, expect, it } from "vitest";
import { tokenize } from "./highlight";

describe("tokenize", () => {
  it("marks keywords, class and def names, strings, comments and numbers", () => {
    const src = 'class Net(nn.Module):\n    def forward(self, x):  # go\n        return self.fc(x) * 2.5 + "a#b"\n';
    const toks = tokenize(src);
    expect(toks.map((t) => t.text).join("")).toBe(src);
    const of = (kind: string) => toks.filter((t) => t.kind === kind).map((t) => t.text);
    expect(of("kw")).toEqual(["class", "def", "return"]);
    expect(of("name")).toEqual(["Net", "forward"]);
    expect(of("com")).toEqual(["# go"]);
    expect(of("str")).toEqual(['"a#b"']);
    expect(of("num")).toEqual(["2.5"]);
    expect(of("builtin")).toEqual(["self", "self"]);
  });

  it("keeps a docstring as one string token", () => {
    const src = '"""Doc with def and # inside."""\nimport torch\n';
    const toks = tokenize(src);
    expect(toks[0]).toEqual({ kind: "str", text: '"""Doc with def and # inside."""' });
    expect(toks.map((t) => t.text).join("")).toBe(src);
  });
});
