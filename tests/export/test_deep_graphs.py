"""Deep graphs (issue 12): no walk that recurses with graph depth. A chain as long as the node limit
validates, generates PyTorch and Keras code (POST /api/graphs/code) and exports model.h5; the
walks that used to recurse (Keras's layer order, the Flatten permutation rule, Keras masks) give
the answers of the recursive versions they replace."""

from __future__ import annotations

import itertools
import random
import sys
import threading

import h5py
import pytest
import torch

from netcanvas.export.codegen_keras import keras_source
from netcanvas.export.keras_h5 import build_keras_model, export_h5
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.graph.schema import Graph
from netcanvas.kerasio.h5attrs import CHUNK, read_names
from netcanvas.kerasio.model import KerasModelBuilder, KTensor
from netcanvas.kerasio.perm import perm_ok
from netcanvas.layers import REGISTRY


@pytest.fixture
def client(tmp_path):
    from fastapi.testclient import TestClient

    from netcanvas.api.main import create_app
    from netcanvas.config import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "nf"))) as c:
        yield c


MAX_NODES = Graph.model_fields["nodes"].metadata[0].max_length  # 5,000 today


def chain(n_layers: int, first: list[dict] | None = None, kind: str = "Dropout", last: dict | None = None,
          shape: list[int] | None = None, dtype: str = "float32") -> dict:
    nodes = [{"id": "x", "type": "Input", "params": {"shape": shape or [4], "dtype": dtype}}, *(first or [])]
    nodes += [{"id": f"n{i}", "type": kind, "params": {"rate": 0.1} if kind == "Dropout" else {}}
              for i in range(n_layers - len(first or []) - (1 if last else 0))]
    if last:
        nodes.append(last)
    ids = [n["id"] for n in nodes]
    return {"format": "netcanvas.graph/1", "name": "deep", "nodes": nodes,
            "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]}


def at_the_limit() -> dict:
    return chain(MAX_NODES - 1, first=[{"id": "d", "type": "Dense", "params": {"units": 3}}],
                 last={"id": "out", "type": "Dense", "params": {"units": 2}})


def test_a_chain_at_the_node_limit_validates_and_generates_both_codes(client):
    graph = at_the_limit()
    assert len(graph["nodes"]) == MAX_NODES
    r = client.post("/api/graphs/validate", json=graph)
    assert r.status_code == 200 and r.json()["ok"], r.text[:500]
    r = client.post("/api/graphs/code", json={"graph": graph})
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    assert body["keras_error"] is None
    assert body["pytorch"].count("self.n") >= MAX_NODES - 3 and "def forward(self, x):" in body["pytorch"]
    assert body["keras"].count("layers.Dropout(") == MAX_NODES - 3
    assert client.get("/api/health").status_code == 200  # the connection stays usable


def test_the_code_route_works_in_a_thread_with_the_default_recursion_limit():
    """The route runs in a worker thread; nothing may rely on a raised recursion limit."""
    assert sys.getrecursionlimit() <= 10_000
    graph = analyze(Graph.model_validate(chain(3000)))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            keras_source(graph)
        except BaseException as err:  # noqa: BLE001  (reported below)
            errors.append(err)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert not errors


def test_a_deep_model_h5_lists_its_layers_in_chunks_keras_reads(tmp_path, keras):
    from keras.src.legacy.saving.legacy_h5_format import load_attributes_from_hdf5_group

    a = analyze(Graph.model_validate(chain(CHUNK + 500, first=[{"id": "d", "type": "Dense", "params": {"units": 3}}])))
    module = compile_graph(a)
    path = tmp_path / "deep.h5"
    export_h5(a, module.state_dict(), path)
    expected = [lay.name for lay in build_keras_model(a, module.state_dict()).keras_order()]
    with h5py.File(path, "r") as f:
        mw = f["model_weights"]
        assert "layer_names" not in mw.attrs and "layer_names1" in mw.attrs  # past 64 KB of header: chunked
        assert load_attributes_from_hdf5_group(mw, "layer_names") == expected  # as Keras reads it
        assert read_names(mw.attrs, "layer_names") == expected
        assert len(read_names(mw[expected[1]].attrs, "weight_names") or []) == 2  # the Dense: kernel, bias


def test_a_small_model_h5_keeps_one_layer_names_attribute(tmp_path):
    a = analyze(Graph.model_validate(chain(5, first=[{"id": "d", "type": "Dense", "params": {"units": 3}}])))
    export_h5(a, compile_graph(a).state_dict(), tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert "layer_names" in f["model_weights"].attrs and "layer_names0" not in f["model_weights"].attrs


# -- the walks, against the recursive versions they replace -----------------------------------------


def recursive_keras_order(model: KerasModelBuilder) -> list[str]:
    """The former implementation of KerasModelBuilder.keras_order (recursive), for comparison."""
    parents = {lay.name: [t.layer for t in lay.inputs] for lay in model.layers}
    index: dict[str, int] = {}
    post: list[str] = []
    done: set[str] = set()

    def walk(name: str) -> None:
        if name in done:
            return
        index.setdefault(name, len(index))
        for parent in parents[name]:
            walk(parent)
        done.add(name)
        post.append(name)

    for t in model.outputs:
        walk(t.layer)
    depth: dict[str, int] = {}
    for name in reversed(post):
        d = depth.setdefault(name, 0)
        for parent in parents[name]:
            depth[parent] = max(d + 1, depth.get(parent, 0))
    for t in model.inputs:
        if t.layer not in depth:
            depth[t.layer], index[t.layer] = 0, -1
    return sorted(depth, key=lambda n: (-depth[n], index[n]))


def random_dag(rng: random.Random, n: int) -> KerasModelBuilder:
    b = KerasModelBuilder("r")
    names: list[str] = []
    for i in range(n):
        name = f"l{i}"
        ins = [] if i < 2 else rng.sample(names, rng.randint(1, min(3, len(names))))
        b.add("Add" if len(ins) > 1 else ("InputLayer" if not ins else "Dense"), name, {},
              [KTensor(p, 0, (4,)) for p in ins], [(4,)])
        names.append(name)
    b.inputs = [KTensor("l0", 0, (4,)), KTensor("l1", 0, (4,))]
    b.outputs = [KTensor(x, 0, (4,)) for x in rng.sample(names[2:], min(2, n - 2))]
    return b


@pytest.mark.parametrize("seed", range(40))
def test_the_iterative_keras_order_equals_the_recursive_one(seed):
    model = random_dag(random.Random(seed), random.Random(seed).randint(3, 30))
    assert [lay.name for lay in model.keras_order()] == recursive_keras_order(model)


def recursive_perm_ok(node, consumers, outputs, kind_of) -> bool:
    if node in outputs or not consumers.get(node):
        return False
    for c in consumers[node]:
        cls = kind_of(c)
        if cls is None:
            return False
        if cls.absorbs_flat_perm:
            continue
        if not (cls.elementwise and recursive_perm_ok(c, consumers, outputs, kind_of)):
            return False
    return True


@pytest.mark.parametrize("seed", range(40))
def test_the_iterative_perm_rule_equals_the_recursive_one(seed):
    rng = random.Random(seed)
    kinds = ["Dense", "Dropout", "ReLU", "Conv1D", None]
    n = rng.randint(2, 25)
    kind = {f"v{i}": rng.choice(kinds) for i in range(n)}
    consumers = {f"v{i}": sorted({f"v{j}" for j in rng.sample(range(i + 1, n), min(n - i - 1, rng.randint(0, 3)))})
                 for i in range(n)}
    outputs = {f"v{i}" for i in range(n) if rng.random() < 0.15}

    def kind_of(v):
        return REGISTRY[kind[v]] if kind[v] else None

    cache: dict[str, bool] = {}
    for v in consumers:
        want = recursive_perm_ok(v, consumers, outputs, kind_of)
        assert perm_ok(v, consumers, outputs, kind_of) == want
        assert perm_ok(v, consumers, outputs, kind_of, cache) == want  # shared answers agree too


def test_a_flatten_before_thousands_of_dropouts_still_reorders_the_dense_kernel():
    n = 3000
    consumers = {"f": ["n0"], **{f"n{i}": [f"n{i + 1}"] for i in range(n - 1)}, f"n{n - 1}": ["out"], "out": []}
    kinds = {"f": REGISTRY["Flatten"], "out": REGISTRY["Dense"]} | {f"n{i}": REGISTRY["Dropout"] for i in range(n)}
    assert perm_ok("f", consumers, {"out"}, kinds.get)
    consumers["out"] = ["tail"]
    assert perm_ok("f", consumers, {"tail"}, kinds.get)  # Dense absorbs it
    kinds["out"] = REGISTRY["Conv1D"]
    assert not perm_ok("f", consumers, {"tail"}, kinds.get)


def test_a_keras_mask_through_thousands_of_layers_compiles_and_runs():
    graph = chain(3000, first=[{"id": "e", "type": "Embedding", "params": {"input_dim": 10, "output_dim": 4,
                                                                           "mask_zero": True}}],
                  last={"id": "out", "type": "LSTM", "params": {"units": 3}}, shape=[7], dtype="int64")
    a = analyze(Graph.model_validate(graph))
    assert a.ok
    module = compile_graph(a).eval()
    x = torch.tensor([[1, 2, 3, 0, 0, 0, 0], [4, 5, 6, 7, 8, 9, 1]])
    with torch.no_grad():
        y = module(x)
    assert y.shape == (2, 3) and torch.isfinite(y).all()
