"""Blocks (graph/blocks.py): inlining, problems that point into blocks, linked copies, nesting,
recursion, trainable on a block; compile, train, save and predict a graph with an Inception block."""

from __future__ import annotations

import numpy as np
import torch

from block_cases import inception_def, inception_graph
from netcanvas.graph import blocks as blocks_mod
from netcanvas.graph.analyze import analyze
from netcanvas.graph.blocks import inline
from netcanvas.graph.compile import compile_graph, node_modules
from netcanvas.graph.schema import Graph


def graph_with_block(block: dict, *, top_edges=None, block_node=None, extra_blocks=None) -> Graph:
    return Graph.model_validate({
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [6]}},
                  {"id": "b", "type": "Block", "block": "blk", **(block_node or {})},
                  {"id": "out", "type": "Dense", "params": {"units": 2}}],
        "edges": top_edges if top_edges is not None else [{"source": "in", "target": "b"}, {"source": "b", "target": "out"}],
        "blocks": {"blk": block, **(extra_blocks or {})},
    })


def mlp_block(units: int = 4) -> dict:
    return {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1]}},
                      {"id": "d", "type": "Dense", "params": {"units": units, "activation": "relu"}}],
            "edges": [{"source": "x", "target": "d"}]}


def problems_of(graph: Graph) -> list[tuple[str | None, str | None, str]]:
    return [(p.node, p.field, p.message) for p in analyze(graph).problems]


# -- inlining ---------------------------------------------------------------------------------


def test_inlining_prefixes_ids_and_rewires_through_the_ports():
    flat = inline(inception_graph())
    assert not flat.problems
    ids = [n.id for n in flat.graph.nodes]
    assert ids[:3] == ["in", "mixed0/branch1x1", "mixed0/reduce3x3"]
    assert "mixed0/x" not in ids and "mixed0" not in ids  # the Input is a port, the Block node is gone
    wires = {(e.source, e.target) for e in flat.graph.edges}
    assert ("in", "mixed0/branch1x1") in wires and ("in", "mixed0/pool") in wires  # through input port 1
    assert ("mixed0/cat", "mixed1/branch1x1") in wires  # output port 1 feeds the next block's input
    assert ("mixed1/cat", "gap") in wires
    assert flat.graph.outputs == ["out"]
    inst = flat.instances["mixed1"]
    assert inst.inputs == [("mixed0/cat", 0)] and inst.outputs == [("mixed1/cat", 0)]
    assert inst.input_names == ["x"] and len(inst.members) == 7


def test_report_has_an_entry_per_block_with_its_shapes_params_and_problems():
    a = analyze(inception_graph())
    assert a.ok, a.problems
    report = a.report()
    m0, m1 = report["nodes"]["mixed0"], report["nodes"]["mixed1"]
    assert m0["output_shapes"] == [[10, 8, 8]]  # 4 + 4 + 2 channels
    assert m1["output_shapes"] == [[10, 8, 8]]
    inner0 = [k for k in report["nodes"] if k.startswith("mixed0/")]
    assert m0["params"] == sum(report["nodes"][k]["params"] for k in inner0)
    # linked copies: one definition, parameters per copy (mixed1 reads 10 channels, not 3)
    assert m1["params"] > m0["params"]
    assert report["total_params"] == sum(v["params"] for k, v in report["nodes"].items() if "/" not in k
                                         and v.get("params") is not None)
    assert m0["block"] == "inception" and m0["problems"] == [] and m0["trainable"] is True


def test_problems_point_into_the_block_and_badge_it():
    bad = inception_def()
    bad["nodes"].append({"id": "dense", "type": "Dense", "params": {"units": 0}})
    bad["nodes"].append({"id": "cat2", "type": "Concatenate", "params": {}})
    bad["edges"] += [{"source": "cat", "target": "dense"}]
    bad["outputs"] = ["dense"]
    a = analyze(inception_graph(blocks={"inception": bad}))
    assert not a.ok
    where = {(p.node, p.field) for p in a.problems}
    assert ("mixed0/dense", "units") in where  # the problem names the node inside the block, and its field
    report = a.report()["nodes"]
    assert any(p["node"] == "mixed0/dense" for p in report["mixed0"]["problems"])
    assert report["mixed0"]["output_shapes"] is None
    assert any(p["node"] == "mixed0/cat2" for p in report["mixed0"]["problems"])  # unwired inside: named too


def test_linked_copies_have_their_own_weights():
    gm = compile_graph(inception_graph())
    mods = node_modules(gm)
    w0 = mods["mixed0/branch1x1"].state_dict()
    w1 = mods["mixed1/branch1x1"].state_dict()
    assert set(w0) == set(w1)
    assert mods["mixed0/branch1x1"] is not mods["mixed1/branch1x1"]
    key = next(k for k in w0 if k.endswith("weight"))
    assert w0[key].shape[1] == 3 and w1[key].shape[1] == 10  # each copy sized by what it reads


def test_compiled_module_nests_one_submodule_per_instance():
    gm = compile_graph(inception_graph())
    assert [name for name, _ in gm.named_children()] == ["mixed0", "mixed1", "gap", "out"]
    keys = list(gm.state_dict())
    assert "mixed0.branch1x1.conv.weight" in keys
    assert any(k.startswith("mixed1.bn.") and k.endswith("running_mean") for k in keys)
    assert gm.node_ids["mixed0.branch1x1"] == "mixed0/branch1x1"
    y = gm(torch.randn(2, 3, 8, 8))
    assert y.shape == (2, 3)
    assert "mixed0 = self.mixed0(" in gm.code


def test_graph_without_blocks_compiles_as_before():
    g = Graph.model_validate({
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [4]}},
                  {"id": "a/b", "type": "Dense", "params": {"units": 2}}],  # an old id with "/" still loads
        "edges": [{"source": "in", "target": "a/b"}]})
    a = analyze(g)
    assert a.ok and not a.blocks
    assert list(compile_graph(a).state_dict()) == ["a_b.linear.weight", "a_b.linear.bias"]


# -- nesting, trainable --------------------------------------------------------------------------


def nested_graph() -> Graph:
    inner = mlp_block(3)
    outer = {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1]}},
                       {"id": "c", "type": "Block", "block": "inner"},
                       {"id": "d2", "type": "Dense", "params": {"units": 5}}],
             "edges": [{"source": "x", "target": "c"}, {"source": "c", "target": "d2"}]}
    return graph_with_block(outer, extra_blocks={"inner": inner})


def test_nested_blocks_inline_to_paths_and_nest_modules():
    a = analyze(nested_graph())
    assert a.ok, a.problems
    assert a.order == ["in", "b/c/d", "b/d2", "out"]
    assert list(a.blocks) == ["b", "b/c"] and a.blocks["b/c"].parent == "b"
    report = a.report()["nodes"]
    assert report["b"]["params"] == (6 * 3 + 3) + (3 * 5 + 5) and report["b/c"]["params"] == 21
    gm = compile_graph(a)
    assert "b.c.d.linear.weight" in gm.state_dict()
    assert gm(torch.randn(2, 6)).shape == (2, 2)


def test_a_frozen_block_freezes_everything_inside_it():
    g = inception_graph(second={"trainable": False})
    a = analyze(g)
    assert all(not a.nodes[m].trainable for m in a.blocks["mixed1"].members)
    assert all(a.nodes[m].trainable for m in a.blocks["mixed0"].members)
    report = a.report()
    assert report["nodes"]["mixed1"]["trainable_params"] == 0 and report["nodes"]["mixed1"]["trainable"] is False
    assert report["non_trainable_params"] >= report["nodes"]["mixed1"]["params"]
    gm = compile_graph(a)
    frozen = {n for n, p in gm.named_parameters() if not p.requires_grad}
    assert frozen and all(n.startswith("mixed1.") for n in frozen)
    assert {n for n, _ in gm.mixed1.named_parameters()} == {n.removeprefix("mixed1.") for n in frozen}


# -- problems -----------------------------------------------------------------------------------


def test_unknown_block_name_names_the_field():
    g = graph_with_block(mlp_block(), block_node={"block": "nope"})
    probs = problems_of(g)
    assert probs[0][:2] == ("b", "block")
    assert "no block named 'nope'" in probs[0][2] and "blk" in probs[0][2]
    assert len(probs) == 1  # its readers do not add to it


def test_more_wires_than_the_block_has_inputs():
    g = graph_with_block(mlp_block(), top_edges=[
        {"source": "in", "target": "b"}, {"source": "in", "target": "b", "target_port": 1},
        {"source": "b", "target": "out"}])
    (node, field, msg), = problems_of(g)
    assert (node, field) == ("b", "block")
    assert "2 wires in" in msg and "1 input(s) (x)" in msg


def test_unwired_input_port_and_block_without_input():
    g = graph_with_block(mlp_block(), top_edges=[{"source": "b", "target": "out"}])
    assert any(n == "b" and "Input 1 ('x') of block 'blk' has no wire" in m for n, _, m in problems_of(g))
    no_input = {"nodes": [{"id": "d", "type": "Dense", "params": {"units": 2}}], "edges": []}
    probs = problems_of(graph_with_block(no_input))
    assert any(n == "b" and f == "block" and "has no Input node" in m for n, f, m in probs)


def test_recursion_is_refused_directly_and_through_another_block():
    me = {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1]}},
                    {"id": "again", "type": "Block", "block": "blk"}],
          "edges": [{"source": "x", "target": "again"}]}
    probs = problems_of(graph_with_block(me))
    assert any(n == "b/again" and f == "block" and "contains itself (blk → blk)" in m for n, f, m in probs)
    a = {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1]}}, {"id": "y", "type": "Block", "block": "other"}],
         "edges": [{"source": "x", "target": "y"}]}
    other = {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1]}}, {"id": "z", "type": "Block", "block": "blk"}],
             "edges": [{"source": "x", "target": "z"}]}
    probs = problems_of(graph_with_block(a, extra_blocks={"other": other}))
    assert any(n == "b/y/z" and "blk → other → blk" in m for n, _, m in probs)


def test_nesting_depth_and_inlined_size_are_capped(monkeypatch):
    # ten definitions each using the next twice: 2**10 layers; deeper than MAX_DEPTH is refused
    defs = {}
    for i in range(10):
        body = ({"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1]}},
                           {"id": "p", "type": "Block", "block": f"l{i + 1}"},
                           {"id": "q", "type": "Block", "block": f"l{i + 1}"}],
                 "edges": [{"source": "x", "target": "p"}, {"source": "p", "target": "q"}]}
                if i < 9 else mlp_block(6))
        defs[f"l{i}"] = body
    g = graph_with_block(defs["l0"], extra_blocks=defs)
    assert any(f == "block" and "nested more than 8 deep" in m for _, f, m in problems_of(g))
    monkeypatch.setattr(blocks_mod, "MAX_NODES", 50)
    monkeypatch.setattr(blocks_mod, "MAX_DEPTH", 20)
    probs = problems_of(g)
    assert any(f == "block" and "more than 50 layers" in m for _, f, m in probs)


def test_a_slash_in_an_id_is_refused_where_blocks_are_used():
    blk = mlp_block()
    blk["nodes"][1]["id"] = "d/1"
    blk["edges"] = [{"source": "x", "target": "d/1"}]
    probs = problems_of(graph_with_block(blk))
    assert ("b/d/1", "id") in [(n, f) for n, f, _ in probs]


def test_block_output_that_is_not_inside_and_wire_into_a_block_input():
    blk = mlp_block()
    blk["outputs"] = ["nothere"]
    probs = problems_of(graph_with_block(blk))
    assert any(n == "b" and f == "block" and "lists output 'nothere'" in m for n, f, m in probs)
    blk = mlp_block()
    blk["nodes"].append({"id": "extra", "type": "Dense", "params": {"units": 1}})
    blk["edges"].append({"source": "d", "target": "x"})
    probs = problems_of(graph_with_block(blk))
    assert any(n == "b/x" and "takes no wire inside the block" in m for n, _, m in probs)


def test_several_output_ports_are_wired_by_source_port():
    two = {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1]}},
                     {"id": "d1", "type": "Dense", "params": {"units": 3}},
                     {"id": "d2", "type": "Dense", "params": {"units": 4}}],
           "edges": [{"source": "x", "target": "d1"}, {"source": "x", "target": "d2"}], "outputs": ["d1", "d2"]}
    g = Graph.model_validate({
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [6]}},
                  {"id": "b", "type": "Block", "block": "two"},
                  {"id": "cat", "type": "Concatenate", "params": {}}],
        "edges": [{"source": "in", "target": "b"},
                  {"source": "b", "source_port": 1, "target": "cat", "target_port": 0},
                  {"source": "b", "source_port": 0, "target": "cat", "target_port": 1}],
        "blocks": {"two": two}})
    a = analyze(g)
    assert a.ok, a.problems
    assert a.report()["nodes"]["b"]["output_shapes"] == [[3], [4]]
    assert [e.source for e in a.nodes["cat"].inputs] == ["b/d2", "b/d1"]
    gm = compile_graph(a)
    assert gm(torch.randn(2, 6)).shape == (2, 7)
    bad = g.model_copy(update={"edges": [*g.edges[:1], g.edges[1].model_copy(update={"source_port": 5}), g.edges[2]]})
    assert any(n == "cat" and "'b' has no output 6 (its block has 2)" in m for n, _, m in problems_of(bad))


# -- train, save, predict ------------------------------------------------------------------------


def image_blobs(n=96, test=32):
    from netcanvas.data.base import Dataset, DatasetInfo, Sizes, Split, TargetInfo

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n + test)
    x = rng.normal(0, 1, (n + test, 3, 8, 8)).astype(np.float32)
    x[np.arange(n + test), y] += 2.0  # the class lights up its own channel
    info = DatasetInfo(id="imgs", name="imgs", kind="image", input_shape=[3, 8, 8],
                       target=TargetInfo(kind="classes", num_classes=3, class_names=["a", "b", "c"]),
                       sizes=Sizes(train=n, test=test), suggested_loss="sparse_categorical_crossentropy")
    return Dataset(info, Split(x[:n], y[:n].astype(np.int64)), Split(x[n:], y[n:].astype(np.int64)))


def test_train_further_with_a_frozen_inception_copy_leaves_it_bit_identical(tmp_path):
    from netcanvas.training.bundle import load_bundle, predict
    from netcanvas.training.engine import run_training
    from netcanvas.training.settings import TrainSettings

    torch.set_num_threads(1)
    settings = TrainSettings(epochs=1, batch_size=16, device="cpu", seed=0,
                             optimizer={"type": "adam", "learning_rate": 0.01})
    first, second = tmp_path / "one", tmp_path / "two"
    data = image_blobs()
    assert run_training(inception_graph(), settings, [].append, lambda: False, first, dataset=data) == "succeeded"
    frozen = inception_graph(second={"trainable": False})
    assert run_training(frozen, settings, [].append, lambda: False, second, dataset=data,
                        init_weights=first / "model.pt") == "succeeded"
    before = load_bundle(first / "model.pt").module.state_dict()
    bundle = load_bundle(second / "model.pt")
    after = bundle.module.state_dict()
    assert set(before) == set(after)
    inside = [k for k in after if k.startswith("mixed1.")]
    assert any("running_mean" in k for k in inside)  # BatchNormalization statistics are in there too
    assert all(torch.equal(before[k], after[k]) for k in inside)  # the frozen copy: bit-identical
    assert not all(torch.equal(before[k], after[k]) for k in after if k.startswith("mixed0."))  # the other trains
    assert not torch.equal(before["out.linear.weight"], after["out.linear.weight"])
    y = np.asarray(predict(bundle, data.test.x[:4]))
    assert y.shape == (4, 3)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_linked_copies_may_inline_past_the_node_limit_of_a_request():
    # 60 copies of a 100-layer block: 6,000 layers once inlined, more than one graph may send
    body = {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [1]}}] + [
        {"id": f"d{i}", "type": "Dense", "params": {"units": 2}} for i in range(100)],
        "edges": [{"source": "x" if i == 0 else f"d{i - 1}", "target": f"d{i}"} for i in range(100)]}
    nodes = [{"id": "in", "type": "Input", "params": {"shape": [2]}}] + [
        {"id": f"b{k}", "type": "Block", "block": "deep"} for k in range(60)]
    edges = [{"source": "in" if k == 0 else f"b{k - 1}", "target": f"b{k}"} for k in range(60)]
    a = analyze(Graph.model_validate({"nodes": nodes, "edges": edges, "blocks": {"deep": body}}))
    assert a.ok, a.problems[:2]
    assert len(a.nodes) == 6001 and a.outputs == ["b59/d99"]
    assert a.report()["nodes"]["b59"]["output_shapes"] == [[2]]
