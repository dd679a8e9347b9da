"""dtype flow is part of shape inference: what each node gives (float32 or int64), which kinds take
token ids, which pass them through, and the problems (with the fix) where a dtype meets a layer
that cannot compute on it. Also the variable lengths (None) that meet fixed sizes or each other."""

from __future__ import annotations

import pytest
import torch

from netcanvas.graph.analyze import PROBE_LENGTHS, analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.graph.schema import Graph
from netcanvas.layers import REGISTRY


def chain(shape, dtype, *layers, extra_inputs=()):
    """Input 'in' → layers in order; a layer given as (id, kind, params, [sources]) reads those."""
    nodes = [{"id": "in", "type": "Input", "params": {"shape": shape, "dtype": dtype}}]
    nodes += [{"id": i, "type": "Input", "params": {"shape": s, "dtype": d}} for i, s, d in extra_inputs]
    edges, prev = [], "in"
    for layer in layers:
        nid, kind, params, *srcs = layer
        nodes.append({"id": nid, "type": kind, "params": params})
        for port, src in enumerate(srcs[0] if srcs else [prev]):
            edges.append({"source": src, "target": nid, "target_port": port})
        prev = nid
    return Graph.model_validate({"nodes": nodes, "edges": edges})


def run(a, length=5):
    xs = []
    for nid in a.inputs:
        layer = a.input_layer(nid)
        shape = (2, *(length if d is None else d for d in layer.shape))
        xs.append(torch.randint(0, 3, shape) if layer.dtype == "int64" else torch.randn(shape))
    return compile_graph(a).eval()(*xs)


def test_an_int_input_meeting_a_dense_is_a_problem_with_the_fix():
    a = analyze(chain([5], "int64", ("d", "Dense", {"units": 3})))
    (p,) = a.problems
    assert p.node == "d"
    assert p.message == ("Dense 'd' computes on floats but 'in' gives int64 token ids: put an Embedding first "
                         "(or set the Input dtype to float32).")
    # That graph really fails in torch: the problem stands for a run-time error.
    a_float = analyze(chain([5], "float32", ("d", "Dense", {"units": 3})))
    layer = a_float.nodes["d"].layer
    with pytest.raises(RuntimeError):
        layer.build([(5,)])(torch.randint(0, 3, (2, 5)))


def test_token_ids_through_an_embedding_are_floats_after_it():
    a = analyze(chain([None], "int64", ("e", "Embedding", {"input_dim": 10, "output_dim": 4}),
                      ("r", "LSTM", {"units": 3}), ("d", "Dense", {"units": 2})))
    assert a.ok, a.problems
    assert a.nodes["in"].output_dtypes == ["int64"]
    assert [a.nodes[n].output_dtypes for n in ("e", "r", "d")] == [["float32"]] * 3
    assert run(a).dtype == torch.float32


def test_a_float_input_into_an_embedding_names_the_fix():
    a = analyze(chain([7], "float32", ("e", "Embedding", {"input_dim": 10, "output_dim": 4})))
    (p,) = a.problems
    assert p.node == "e"
    assert p.message.startswith("Embedding 'e' reads int64 token ids but 'in' gives float32 values: set the "
                                "Input dtype to int64")


@pytest.mark.parametrize("kind,params,shape", [
    ("Flatten", {}, [2, 3]),
    ("Reshape", {"target_shape": [3, 2]}, [6]),
    ("Permute", {"dims": [2, 1]}, [2, 3]),
    ("RepeatVector", {"n": 3}, [4]),
    ("Cropping1D", {"cropping": 1}, [5, 2]),
    ("ZeroPadding1D", {"padding": 1}, [5, 2]),
    ("UpSampling1D", {"size": 2}, [5, 2]),
])
def test_shape_only_kinds_pass_token_ids_through_as_ints(kind, params, shape):
    assert REGISTRY[kind].dtypes == "same"
    a = analyze(chain(shape, "int64", ("s", kind, params),
                      ("e", "Embedding", {"input_dim": 10, "output_dim": 2})))
    assert a.ok, a.problems
    assert a.nodes["s"].output_dtypes == ["int64"]
    assert a.nodes["e"].output_dtypes == ["float32"]
    run(a)  # torch does them on ints
    # ...and the int tensor after them still meets float-only layers with the problem.
    a = analyze(chain(shape, "int64", ("s", kind, params), ("n", "LayerNormalization", {})))
    (p,) = a.problems
    assert p.node == "n" and "'s' gives int64 token ids" in p.message


def test_rescaling_casts_ints_to_floats():
    a = analyze(chain([4], "int64", ("r", "Rescaling", {"scale": 0.5}), ("d", "Dense", {"units": 2})))
    assert a.ok, a.problems
    assert a.nodes["r"].output_dtypes == ["float32"]
    assert run(a).dtype == torch.float32


def test_mixed_dtypes_into_a_merge_name_both_inputs():
    g = chain([4], "int64", ("m", "Concatenate", {}, ["in", "x"]), extra_inputs=[("x", [4], "float32")])
    (p,) = analyze(g).problems
    assert p.node == "m"
    assert p.message.startswith("Concatenate 'm' joins int64 token ids from 'in' with float32 values from 'x'")


def test_ints_merge_as_ints_but_average_needs_floats():
    g = chain([4], "int64", ("m", "Add", {}, ["in", "x"]), ("e", "Embedding", {"input_dim": 9, "output_dim": 2}),
              extra_inputs=[("x", [4], "int64")])
    a = analyze(g)
    assert a.ok, a.problems
    assert a.nodes["m"].output_dtypes == ["int64"]
    g = chain([4], "int64", ("m", "Average", {}, ["in", "x"]), extra_inputs=[("x", [4], "int64")])
    (p,) = analyze(g).problems
    assert p.node == "m" and "computes on floats" in p.message


def test_only_the_first_layer_after_the_bad_wire_is_blamed():
    a = analyze(chain([5], "int64", ("d1", "Dense", {"units": 3}), ("d2", "Dense", {"units": 2})))
    assert [p.node for p in a.problems] == ["d1"]
    assert a.nodes["d2"].output_dtypes == ["float32"]


def test_every_kind_declares_a_known_dtype_rule():
    assert {cls.dtypes for cls in REGISTRY.values()} <= {"float", "int", "same", "cast"}
    assert REGISTRY["Embedding"].dtypes == "int"


# --- variable lengths (None) against fixed sizes and each other ---------------------------------


@pytest.mark.parametrize("kind", ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"])
def test_a_variable_length_meeting_a_size_1_is_refused_not_inferred_as_1(kind):
    """Maximum((None, 11), (1, 11)) was inferred (1, 11); the module broadcasts to (T, 11)."""
    g = chain([None, 11], "float32", ("m", kind, {}, ["in", "x"]), extra_inputs=[("x", [1, 11], "float32")])
    a = analyze(g)
    (p,) = a.problems
    assert p.node == "m"
    assert "dimension 1 is a variable length (None) in input 1 (from 'in') and 1 in input 2 (from 'x')" in p.message
    assert "Give the variable-length Input the fixed length 1" in p.message
    # What the module does with it: the variable length, not 1.
    module = REGISTRY[kind].model_validate({}).build([(None, 11), (1, 11)])
    assert tuple(module(torch.randn(2, 7, 11), torch.randn(2, 1, 11)).shape) == (2, 7, 11)


def test_a_variable_length_meeting_a_fixed_length_is_refused():
    g = chain([None, 3], "float32", ("m", "Add", {}, ["in", "x"]), extra_inputs=[("x", [5, 3], "float32")])
    (p,) = analyze(g).problems
    assert "only fit for sequences of exactly 5 steps" in p.message


def test_concatenate_refuses_a_variable_length_against_a_fixed_one_off_its_axis():
    g = chain([None, 3], "float32", ("c", "Concatenate", {}, ["in", "x"]), extra_inputs=[("x", [5, 2], "float32")])
    (p,) = analyze(g).problems
    assert p.node == "c" and "variable length (None)" in p.message
    # Along the variable axis itself the lengths add up to a variable one.
    g = chain([None, 3], "float32", ("c", "Concatenate", {"axis": 1}, ["in", "x"]),
              extra_inputs=[("x", [5, 3], "float32")])
    a = analyze(g)
    assert a.ok, a.problems
    assert a.nodes["c"].output_shapes == [(None, 3)]
    assert tuple(run(a, length=4).shape) == (2, 9, 3)


def test_two_variable_lengths_from_the_same_input_agree():
    g = chain([None, 3], "float32", ("a", "Dense", {"units": 3}), ("m", "Maximum", {}, ["in", "a"]))
    a = analyze(g)
    assert a.ok, a.problems
    assert a.nodes["m"].output_shapes == [(None, 3)]
    assert tuple(run(a, length=6).shape) == (2, 6, 3)


def test_branches_that_change_a_variable_length_differently_are_refused():
    """Both say None, but a "valid" convolution shortens the sequence by 2: Add fails at run time."""
    g = chain([None, 2], "float32", ("c", "Conv1D", {"filters": 2, "kernel_size": 3}),
              ("m", "Add", {}, ["in", "c"]))
    a = analyze(g)
    (p,) = a.problems
    assert p.node == "m"
    assert p.message.startswith(f"Add 'm' fits only some lengths of the variable-length input: for sequences of "
                                f"{PROBE_LENGTHS[0]} steps, Add needs inputs of the same shape")
    assert 'padding="same"' in p.message
    with pytest.raises(RuntimeError):  # what it guards against
        compile_graph(analyze(chain([9, 2], "float32", ("c", "Conv1D", {"filters": 2, "kernel_size": 3}))))(
            torch.randn(2, 9, 2)) + torch.randn(2, 9, 2)
    same = chain([None, 2], "float32", ("c", "Conv1D", {"filters": 2, "kernel_size": 3, "padding": "same"}),
                 ("m", "Add", {}, ["in", "c"]))
    a = analyze(same)
    assert a.ok, a.problems
    assert tuple(run(a, length=7).shape) == (2, 7, 2)


def test_a_reshape_of_a_variable_length_that_fits_only_some_lengths_is_refused():
    a = analyze(chain([None], "float32", ("r", "Reshape", {"target_shape": [-1, 12]})))
    (p,) = a.problems
    assert p.node == "r" and "fits only some lengths" in p.message
    a = analyze(chain([None, 4], "float32", ("r", "Reshape", {"target_shape": [-1, 2]})))
    assert a.ok, a.problems  # 4T values are always 2T rows of 2
    assert a.nodes["r"].output_shapes == [(None, 2)]


def test_attention_refuses_a_variable_key_against_a_fixed_value():
    g = chain([None, 2], "float32", ("att", "Attention", {}, ["in", "v", "in"]),
              extra_inputs=[("v", [1, 2], "float32")])
    (p,) = analyze(g).problems
    assert p.node == "att" and "same number of time steps (a variable length on both" in p.message


def test_a_keras_model_with_a_float_input_of_token_ids_imports_with_an_int64_input(keras, tmp_path):
    """keras.Input defaults to float32 and Keras's Embedding casts to int: such a model imports with its
    Input as int64 (through a Reshape too) and predicts as Keras does on the same ids."""
    import numpy as np

    from netcanvas.export.keras_import import import_model

    inp = keras.Input((6,))  # float32
    x = keras.layers.Reshape((6,))(inp)
    x = keras.layers.Embedding(10, 3)(x)
    out = keras.layers.Dense(2)(keras.layers.Flatten()(x))
    path = tmp_path / "ids.keras"
    keras.Model(inp, out).save(path)
    imp = import_model(path.name, path.read_bytes())
    (spec,) = [n for n in imp.graph.nodes if n.type == "Input"]
    assert spec.params["dtype"] == "int64"
    ids = np.random.default_rng(0).integers(0, 10, (4, 6))
    want = keras.Model(inp, out)(ids.astype("float32")).detach().numpy()
    m = compile_graph(imp.graph)
    m.load_state_dict(imp.state_dict, strict=True)
    with torch.no_grad():
        got = m.eval()(torch.from_numpy(ids)).numpy()
    assert float(np.abs(got - want).max()) <= 1e-5
