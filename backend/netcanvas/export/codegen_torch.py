"""graph → standalone PyTorch source (`model.py`): an nn.Module whose state_dict keys equal the
compiled graph's, so the downloaded weights load with `load_state_dict(..., strict=True)`.

The source is derived from the modules the layer registry builds, not from templates per kind:
torch's own modules are written as their constructor calls (`nn.Conv2d(3, 32, kernel_size=(3, 3))`,
checked by rebuilding them), netcanvas's small wrapper modules as classes whose `__init__` takes
their submodules and settings and whose methods are copied from the registry's source, with
the helper functions they call. The forward is torch.fx's code of the compiled graph. Only
`torch` (and `math`) are needed to run it.
"""

from __future__ import annotations

import inspect
import math
import re
import textwrap
import types
from typing import Any

import torch
from torch import fx, nn

from ..graph.analyze import Analysis, analyze
from ..graph.compile import GraphError, compile_graph

_SKIP_ATTRS = {"training"}


class CodegenError(ValueError):
    pass


def _literal(v: Any) -> str:
    if isinstance(v, float):
        if math.isinf(v):
            return 'float("inf")' if v > 0 else 'float("-inf")'
        if math.isnan(v):
            return 'float("nan")'
        return repr(v)
    if v is None or isinstance(v, (bool, int, str)):
        return repr(v)
    if isinstance(v, tuple):
        inner = ", ".join(_literal(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(v, list):
        return "[" + ", ".join(_literal(x) for x in v) + "]"
    if isinstance(v, torch.Size):
        return _literal(tuple(v))
    raise CodegenError(f"cannot write {type(v).__name__} value {v!r} as source")


def _settings(m: nn.Module) -> dict[str, Any]:
    """A torch module's plain settings (what its constructor stored)."""
    return {k: v for k, v in vars(m).items() if not k.startswith("_") and k not in _SKIP_ATTRS
            and isinstance(v, (bool, int, float, str, tuple, type(None)))}


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _code_names(c)
    return names


class _Writer:
    def __init__(self) -> None:
        self.imports: dict[str, str] = {"torch": "import torch", "nn": "import torch.nn as nn"}
        self.helpers: dict[str, str] = {}  # name → source (functions, constants)
        self.classes: dict[type, str] = {}  # the classes to write, in dependency order
        self.class_names: dict[type, str] = {}
        self.members: dict[type, list[str]] = {}  # __init__ arguments: every instance's members
        self.optional: dict[type, set[str]] = {}  # members some instance lacks (None there)
        self.buffers: dict[type, set[str]] = {}
        self.methods: dict[type, list[str]] = {}

    # -- globals a copied function refers to ---------------------------------------------------

    def _globals(self, fn: types.FunctionType) -> None:
        g = fn.__globals__
        for name in sorted(_code_names(fn.__code__)):
            if name not in g or name in self.imports or name in self.helpers:
                continue
            obj = g[name]
            if isinstance(obj, types.ModuleType):
                mod = obj.__name__
                self.imports[name] = f"import {mod}" if mod == name else f"import {mod} as {name}"
            elif isinstance(obj, types.FunctionType) and obj.__module__.startswith("netcanvas"):
                self.helpers[name] = ""  # reserve before recursing (recursive helpers)
                self._globals(obj)
                self.helpers[name] = textwrap.dedent(inspect.getsource(obj))
            elif isinstance(obj, (bool, int, float, str, tuple)):
                self.helpers[name] = f"{name} = {_literal(obj)}\n"
            elif callable(obj) and getattr(obj, "__module__", None) and not obj.__module__.startswith("netcanvas"):
                self.imports[name] = f"from {obj.__module__} import {obj.__name__}" + (
                    f" as {name}" if obj.__name__ != name else "")
            elif isinstance(obj, type) and obj.__module__.startswith("netcanvas"):
                raise CodegenError(f"{fn.__qualname__} uses class {obj.__name__}, which codegen cannot copy")

    # -- modules -----------------------------------------------------------------------------

    def expr(self, m: nn.Module) -> str:
        cls = type(m)
        if cls.__module__.startswith("torch.nn"):
            return self._torch_expr(m)
        return self._custom_expr(m)

    def _torch_expr(self, m: nn.Module) -> str:
        cls = type(m)
        if isinstance(m, nn.Sequential):
            return "nn.Sequential(" + ", ".join(self.expr(c) for c in m) + ")"
        if isinstance(m, nn.ModuleList):
            return "nn.ModuleList([" + ", ".join(self.expr(c) for c in m) + "])"
        if list(m.children()):
            raise CodegenError(f"cannot write torch module {cls.__name__} with submodules as source")
        src = "nn." + repr(m)
        rebuilt = self._rebuild(src)
        # Some reprs leave settings out (nn.RNN's nonlinearity): pass what differs explicitly.
        for k in sorted(_settings(m)):
            v = _settings(m)[k]
            if _settings(rebuilt).get(k) == v:
                continue
            candidate = src[:-1] + ("" if src.endswith("()") else ", ") + f"{k}={_literal(v)})"
            try:
                rebuilt, src = self._rebuild(candidate), candidate
            except CodegenError:
                continue
        same = _settings(rebuilt) == _settings(m) and {k: v.shape for k, v in rebuilt.state_dict().items()} == {
            k: v.shape for k, v in m.state_dict().items()}
        if not same:
            raise CodegenError(f"{src} does not rebuild the same module")
        return src

    @staticmethod
    def _rebuild(src: str) -> nn.Module:
        try:  # our own reprs of torch modules
            return eval(src, {"nn": nn, "torch": torch, "inf": math.inf})
        except Exception as err:  # pragma: no cover - depends on torch's reprs
            raise CodegenError(f"cannot write {src} as source: {err}") from err

    def _custom_expr(self, m: nn.Module) -> str:
        cls = type(m)
        args: dict[str, str] = {}
        for name, child in m._modules.items():
            args[name] = "None" if child is None else self.expr(child)
        for name, p in m._parameters.items():
            args[name] = "None" if p is None else f"nn.Parameter(torch.zeros({_literal(tuple(p.shape))}))"
        for name, b in m._buffers.items():
            args[name] = "None" if b is None else f"torch.zeros({_literal(tuple(b.shape))}, dtype={b.dtype})"
        for name, v in vars(m).items():
            if name.startswith("_") or name in _SKIP_ATTRS or name in args:
                continue
            args[name] = _literal(v)
        self._define(cls, m)
        body = ", ".join(f"{k}={v}" for k, v in args.items())
        return f"{self.class_names[cls]}({body})"

    def _define(self, cls: type, m: nn.Module) -> None:
        """Declares the class for `m`; its __init__ takes the union of every instance's members
        (an LSTM without bias has no bias parameter), those some instance lacks defaulting to None."""
        params = list(m._modules) + list(m._parameters) + list(m._buffers) + [
            k for k in vars(m) if not k.startswith("_") and k not in _SKIP_ATTRS
            and k not in m._modules and k not in m._parameters and k not in m._buffers
        ]
        if cls in self.classes:
            known = self.members[cls]
            for p in params:
                if p not in known:  # an earlier instance lacks it
                    known.append(p)
                    self.optional[cls].add(p)
            self.optional[cls] |= set(known) - set(params)
            self.buffers[cls] |= set(m._buffers)
            return
        self.classes[cls] = ""  # reserve the slot (order: first use); written by class_sources()
        name = cls.__name__
        taken = set(self.class_names.values())
        while name in taken:
            name += "_"
        self.class_names[cls] = name
        self.members[cls], self.optional[cls], self.buffers[cls] = params, set(), set(m._buffers)
        methods: list[str] = []
        seen: set[str] = {"__init__"}
        for klass in cls.__mro__:
            if klass is nn.Module or not issubclass(klass, nn.Module) or klass.__module__.startswith("torch"):
                continue
            for attr, value in vars(klass).items():
                if attr in seen or attr in ("__doc__", "__module__", "__qualname__", "__annotations__"):
                    continue
                fn = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
                fn = fn.fget if isinstance(fn, property) else fn
                if not isinstance(fn, types.FunctionType):
                    continue
                seen.add(attr)
                self._globals(fn)
                methods.append(textwrap.indent(textwrap.dedent(inspect.getsource(value if isinstance(
                    value, types.FunctionType) else fn)), "    ").rstrip())
        self.methods[cls] = methods

    def class_sources(self) -> list[str]:
        out = []
        for cls in self.classes:
            params, optional = self.members[cls], self.optional[cls]
            lines = [f"class {self.class_names[cls]}(nn.Module):"]
            doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
            if doc:
                lines.append(textwrap.indent(f'"""{doc}"""', "    "))
            lines.append("")
            sig = ", ".join([p for p in params if p not in optional] + [f"{p}=None" for p in params if p in optional])
            lines.append(f"    def __init__(self, {sig}):" if params else "    def __init__(self):")
            lines.append("        super().__init__()")
            for p in params:
                if p in self.buffers[cls]:
                    lines.append(f"        self.register_buffer({p!r}, {p})")
                else:
                    lines.append(f"        self.{p} = {p}")
            for method in self.methods[cls]:
                lines += ["", method]
            out.append("\n".join(lines) + "\n")
        return out


class _BlockWriter:
    """One nn.Module class per block definition (compile makes each Block instance a GraphModule
    with a `block` attribute): its __init__ takes the layers inside, built by the caller (linked
    copies of a block may read inputs of other sizes, so their layers differ), its forward is the
    instance's fx code. Copies whose forward differs (a fused output activation) get a class each."""

    def __init__(self, w: _Writer, reserved: set[str]):
        self.w = w
        self.reserved = reserved
        self.classes: dict[tuple[str, str, tuple[str, ...]], tuple[str, str]] = {}  # key → (name, source)

    def member(self, m: nn.Module) -> str:
        if not isinstance(m, fx.GraphModule) or not hasattr(m, "block"):
            return self.w.expr(m)
        members = [(name, self.member(child)) for name, child in m.named_children()]
        key = (str(m.block), m.code, tuple(name for name, _ in members))
        if key not in self.classes:
            name = type(m).__name__
            taken = self.reserved | set(self.w.class_names.values()) | {n for n, _ in self.classes.values()}
            while name in taken:
                name += "_"
            params = [n for n, _ in members]
            lines = [f"class {name}(nn.Module):", f'    """Block \'{m.block}\' of the graph."""', "",
                     f"    def __init__(self, {', '.join(params)}):" if params else "    def __init__(self):",
                     "        super().__init__()"]
            lines += [f"        self.{p} = {p}" for p in params]
            lines += ["", _forward_source(m.code)]
            self.classes[key] = (name, "\n".join(lines) + "\n")
        cls = self.classes[key][0]
        return f"{cls}(" + ", ".join(f"{n}={e}" for n, e in members) + ")"

    def sources(self) -> list[str]:
        return [src for _, src in self.classes.values()]  # inner blocks first: member() recurses first


def _forward_source(code: str) -> str:
    body = textwrap.dedent(code).strip("\n")
    body = re.sub(r";\s+(\w+\s*=\s*)+None$", "", body, flags=re.MULTILINE)  # fx's memory-freeing statements
    return textwrap.indent(body.rstrip(), "    ")


def pytorch_source(graph: Any) -> str:
    """Standalone PyTorch source for the graph (Graph or Analysis). Raises GraphError or
    CodegenError."""
    analysis = graph if isinstance(graph, Analysis) else analyze(graph)
    if not analysis.ok:
        raise GraphError(analysis)
    with torch.device("meta"):  # shapes and settings only: no weights are allocated
        gm = compile_graph(analysis)
        w = _Writer()
        blocks = _BlockWriter(w, reserved={type(gm).__name__})
        members = [(name, blocks.member(child)) for name, child in gm.named_children()]
    cls = type(gm).__name__
    title = analysis.graph.name
    inputs = ", ".join(f"{nid}: {tuple(analysis.input_layer(nid).shape)}" for nid in analysis.inputs)
    out: list[str] = [
        f'"""{title}: generated by netcanvas from the graph (PyTorch layout: images are (C, H, W)).',
        "",
        f"Inputs (batch axis first, then): {inputs}.",
        "Load the trained weights:",
        "",
        "    bundle = torch.load('model.pt', weights_only=True)",
        f"    model = {cls}()",
        "    model.load_state_dict(bundle['state_dict'])",
        "    model.eval()",
        '"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    out += sorted(set(w.imports.values()))
    out += ["", ""]
    for src in w.helpers.values():
        out += [src.rstrip(), "", ""]
    for src in w.class_sources() + blocks.sources():
        out += [src.rstrip(), "", ""]
    out.append(f"class {cls}(nn.Module):")
    out.append("    def __init__(self):")
    out.append("        super().__init__()")
    for name, e in members:
        out.append(f"        self.{name} = {e}")
    # submodule paths: a frozen layer inside a block is self.<block>.<layer>; Inputs have no module
    frozen = [path for path, nid in getattr(gm, "node_ids", {}).items()
              if not analysis.nodes[nid].trainable and nid not in analysis.inputs]
    if frozen:  # frozen nodes (graph/freeze.py); a frozen BatchNormalization also has frozen=True above
        out.append("        # frozen layers (trainable false on the canvas): no gradient, not trained")
        out += [f"        self.{name}.requires_grad_(False)" for name in frozen]
    out.append("")
    out.append(_forward_source(gm.code))
    out += ["", "", "if __name__ == '__main__':",
            f"    model = {cls}().eval()",
            "    inputs = [" + ", ".join(
                f"torch.randn(2, {', '.join(str(5 if d is None else d) for d in analysis.input_layer(nid).shape)})"
                if analysis.input_layer(nid).dtype == "float32" else
                f"torch.randint(0, 2, (2, {', '.join(str(5 if d is None else d) for d in analysis.input_layer(nid).shape)}))"
                for nid in analysis.inputs) + "]",
            "    print(model(*inputs))", ""]
    return "\n".join(out)
