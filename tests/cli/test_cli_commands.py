from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from netcanvas.cli import build_parser, main

GRAPH = {
    "format": "netcanvas.graph/1",
    "name": "cli-mlp",
    "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ],
    "edges": [{"source": "in", "target": "f"}, {"source": "f", "target": "out"}],
}


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["train", "--help"]])
def test_help(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: netcanvas" in out


def test_python_dash_m_help():
    r = subprocess.run([sys.executable, "-m", "netcanvas", "--help"], capture_output=True, text=True,
                       timeout=60, check=False)
    assert r.returncode == 0 and "serve" in r.stdout and "train" in r.stdout


def test_parser_options():
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9001"])
    assert (args.host, args.port) == ("0.0.0.0", 9001)
    args = build_parser().parse_args(["train", "g.json", "--epochs", "3", "--batch-size", "16", "--lr", "0.01",
                                      "--optimizer", "sgd", "--loss", "categorical_crossentropy"])
    assert (args.epochs, args.batch_size, args.lr, args.optimizer) == (3, 16, 0.01, "sgd")


def test_train_headless_one_epoch(tmp_path, capsys):
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(GRAPH))
    out = tmp_path / "out"
    code = main(["train", str(graph), "--dataset", "digits", "--epochs", "1", "--batch-size", "64",
                 "--device", "cpu", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    last = captured.out.strip().splitlines()[-1]
    assert last.startswith("succeeded:") and "test_accuracy=" in last and "val_loss=" in last
    assert "epoch 1/1" in captured.out
    bundle = torch.load(out / "model.pt", weights_only=True)
    assert bundle["state_dict"]


@pytest.mark.parametrize(
    ("content", "extra", "needle"),
    [
        (None, [], "cannot read"),
        ("{not json", [], "is not JSON"),
        ('{"nodes": 5}', [], "is not a netcanvas graph: nodes"),
        (json.dumps({**GRAPH, "nodes": GRAPH["nodes"][:1] + GRAPH["nodes"][2:]}), [], "out"),
        (json.dumps(GRAPH), ["--dataset", "nope"], "Unknown data set 'nope'"),
        (json.dumps(GRAPH), ["--epochs", "0"], "--epochs"),
    ],
)
def test_train_bad_inputs_name_the_problem(tmp_path, capsys, content, extra, needle):
    graph = tmp_path / "g.json"
    if content is not None:
        graph.write_text(content)
    code = main(["train", str(graph), "--out", str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err and "Traceback" not in err
