import json
import os
import subprocess
import sys
import sysconfig
import textwrap

import numpy as np
import pytest
import torch
from nc_export_cases import CASES, outputs_list, to_channels_last, trained_like

from netcanvas.export import artifacts
from netcanvas.export.program import inference_module
from netcanvas.layers import REGISTRY
from netcanvas.training.bundle import bundle_dict, save_bundle

# Keras (torch backend) converts tensors with np.array(x), which torch 2.13 warns about
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def make_run(tmp_path, case: str, linear_outputs=()):
    a, m, xs = trained_like(CASES[case]())
    run_dir = tmp_path / "runs" / case
    run_dir.mkdir(parents=True)
    acts = [None] * len(a.outputs)
    save_bundle(run_dir / "model.pt", bundle_dict(a.graph, m, settings=None, linear_outputs=list(linear_outputs),
                                                  output_activations=acts))
    with torch.no_grad():
        want = outputs_list(m(*xs))
    return run_dir, xs, want


ONNX_CASES = [c for c in ("cnn", "rnn", "branches") if c in CASES]


@pytest.mark.parametrize("case", ONNX_CASES)
def test_onnx_is_one_file_and_matches_in_onnxruntime(case, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    run_dir, xs, want = make_run(tmp_path, case)
    path = artifacts.render(run_dir, "model.onnx")
    assert sorted(p.name for p in run_dir.iterdir()) == ["model.onnx", "model.pt"]  # no .onnx.data
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    # a batch size other than the one exported with: the batch axis is dynamic; "rnn" has a
    # variable sequence length, so another length too
    if case == "rnn":
        xs = [torch.randint(0, 7, (4, 9))]
    feeds = {n: torch.cat([x, x[:1]]).numpy() for n, x in zip(names, xs, strict=True)}
    got = session.run(None, feeds)
    a = artifacts.read_bundle(run_dir / "model.pt")[0]
    module = inference_module(a, torch.load(run_dir / "model.pt", weights_only=True)["state_dict"])
    with torch.no_grad():
        want = outputs_list(module(*[torch.from_numpy(v) for v in feeds.values()]))
    diff = max(float(np.abs(g - w).max()) for g, w in zip(got, want, strict=True))
    assert diff <= 1e-4, diff


CLEAN_CHILD = textwrap.dedent("""
    import json, sys
    sys.path[:] = [p for p in sys.path if p] + [SITE]   # -S -I: no .pth files, no cwd, no netcanvas
    try:
        import netcanvas  # noqa
    except ImportError:
        pass
    else:
        raise SystemExit("netcanvas is importable here")
    import torch
    program = torch.export.load("model.pt2")
    xs = torch.load("inputs.pt", weights_only=True)
    with torch.no_grad():
        out = program.module()(*xs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    torch.save(outs, "outputs.pt")
    print(json.dumps([list(o.shape) for o in outs]))
""")


@pytest.mark.parametrize("case", [c for c in ("cnn", "rnn") if c in CASES])
def test_pt2_runs_with_plain_pytorch_without_netcanvas(case, tmp_path):
    run_dir, xs, want = make_run(tmp_path, case, linear_outputs=["dense_7"] if case == "cnn" else [])
    path = artifacts.render(run_dir, "model.pt2")
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "model.pt2").write_bytes(path.read_bytes())
    xs = [torch.cat([x, x]) for x in xs]  # another batch size
    if case == "rnn":  # variable length: recurrent layers exported through scan_rnn
        xs = [torch.randint(0, 7, (4, 9))]
    torch.save(xs, work / "inputs.pt")
    site = sysconfig.get_paths()["purelib"]
    code = CLEAN_CHILD.replace("SITE", repr(site))
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", code], cwd=work, capture_output=True, text=True,
                          check=False,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = torch.load(work / "outputs.pt", weights_only=True)
    full = artifacts.read_bundle(run_dir / "model.pt")
    module = inference_module(full[0], full[1])
    with torch.no_grad():
        want = outputs_list(module(*xs))
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [list(w.shape) for w in want]
    for g, w in zip(got, want, strict=True):
        assert np.abs(g.numpy() - w).max() <= 1e-5


def test_exports_apply_the_final_activation_even_when_training_fused_it(tmp_path, keras):
    # training compiles the softmax output linear (fused into the loss); downloads predict probabilities
    run_dir, xs, want = make_run(tmp_path, "mlp", linear_outputs=["dense_4"])
    km = keras.models.load_model(artifacts.render(run_dir, "model.h5"), compile=False)
    got = km(xs[0].numpy(), training=False).detach().numpy()
    assert np.allclose(got.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(got - want[0]).max() <= 1e-4


def test_render_caches_writes_atomically_and_names_errors(tmp_path, monkeypatch):
    run_dir, _, _ = make_run(tmp_path, "mlp")
    first = artifacts.render(run_dir, "model.py")
    stamp = first.stat().st_mtime_ns
    assert artifacts.render(run_dir, "model.py").stat().st_mtime_ns == stamp  # cached
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".")]  # no temporary left
    with pytest.raises(ValueError, match="Unknown download 'model.xyz'"):
        artifacts.render(run_dir, "model.xyz")
    with pytest.raises(ValueError, match="no trained model"):
        artifacts.render(tmp_path, "model.h5")
    monkeypatch.setattr(REGISTRY["Dropout"], "keras_classes", ())  # as if Dropout had no Keras side
    with pytest.raises(ValueError, match="Node 'dropout_1' is a Dropout.*no Keras counterpart"):
        artifacts.render(run_dir, "model.h5")
    assert not (run_dir / "model.h5").exists()
    assert artifacts.render(run_dir, "model.pt") == run_dir / "model.pt"


def test_stale_cache_is_rebuilt(tmp_path):
    run_dir, _, _ = make_run(tmp_path, "mlp")
    out = artifacts.render(run_dir, "model_keras.py")
    out.write_text("stale")
    st = (run_dir / "model.pt").stat()
    os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    assert "def build_model()" in artifacts.render(run_dir, "model_keras.py").read_text()


def test_pt2_refuses_what_torch_export_would_fix_to_one_length(tmp_path, monkeypatch):
    # without the scan rewrite torch 2.13 fixes the sequence length: no silently fixed-length program
    from netcanvas.export import pt2

    def no_scan(module):
        raise RuntimeError("scan unavailable")

    monkeypatch.setattr(pt2, "with_scan_rnns", no_scan)
    run_dir, _, _ = make_run(tmp_path, "rnn")
    with pytest.raises(ValueError, match="model.pt2 cannot be made for this model: torch.export fixes its "
                                         "sequence length.*model.onnx"):
        artifacts.render(run_dir, "model.pt2")
    assert not (run_dir / "model.pt2").exists()


def test_a_really_trained_cnn_downloads_as_keras_predicting_what_netcanvas_predicts(tmp_path, keras):
    from netcanvas.graph.schema import Graph
    from netcanvas.training.bundle import load_bundle, predict
    from netcanvas.training.engine import run_training
    from netcanvas.training.settings import TrainSettings

    graph = Graph.model_validate({"name": "digits-cnn", "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "c", "type": "Conv2D", "params": {"filters": 4, "kernel_size": 3, "activation": "relu"}},
        {"id": "bn", "type": "BatchNormalization", "params": {}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ], "edges": [{"source": "in", "target": "c"}, {"source": "c", "target": "bn"}, {"source": "bn", "target": "f"},
                 {"source": "f", "target": "out"}]})
    settings = TrainSettings(dataset="digits", epochs=1, batch_size=64, device="cpu")
    assert run_training(graph, settings, lambda e: None, lambda: False, tmp_path) == "succeeded"
    x = np.random.default_rng(0).uniform(0, 16, (5, 1, 8, 8)).astype("float32")
    want = predict(load_bundle(tmp_path / "model.pt"), x)
    km = keras.models.load_model(artifacts.render(tmp_path, "model.h5"), compile=False)
    got = km(to_channels_last(x), training=False).detach().numpy()
    assert np.abs(got - want).max() <= 1e-4
