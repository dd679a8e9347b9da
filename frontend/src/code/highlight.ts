// A small Python highlighter for the Code tab: keywords, strings (docstrings too), comments,
// numbers, decorators and the names after `def` / `class`. Not a parser; enough to read by.

export type TokenKind = "kw" | "str" | "com" | "num" | "name" | "builtin" | "plain";
export interface Token { kind: TokenKind; text: string }

const KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
  "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
  "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
]);
const BUILTINS = new Set(["self", "super", "print", "len", "range", "list", "tuple", "dict", "int", "float", "str", "isinstance"]);

const PATTERN = /("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(#[^\n]*)|(\b\d+(?:\.\d*)?(?:e[+-]?\d+)?\b)|(@[\w.]+)|([A-Za-z_]\w*)/g;

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let last = 0;
  let afterDef = false;
  const push = (kind: TokenKind, text: string) => {
    const prev = out[out.length - 1];
    if (prev && prev.kind === kind && kind === "plain") prev.text += text;
    else out.push({ kind, text });
  };
  for (const m of src.matchAll(PATTERN)) {
    const i = m.index ?? 0;
    if (i > last) push("plain", src.slice(last, i));
    const [text, str, com, num, deco, word] = m;
    if (str) push("str", text);
    else if (com) push("com", text);
    else if (num) push("num", text);
    else if (deco) push("name", text);
    else if (word) {
      if (afterDef) push("name", text);
      else if (KEYWORDS.has(word)) push("kw", text);
      else if (BUILTINS.has(word)) push("builtin", text);
      else push("plain", text);
      afterDef = word === "def" || word === "class";
      last = i + text.length;
      continue;
    }
    afterDef = false;
    last = i + text.length;
  }
  if (last < src.length) push("plain", src.slice(last));
  return out;
}
