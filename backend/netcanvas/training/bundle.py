"""A trained model in memory (Bundle), built from and saved as model.pt, and predict() on it.

The file format (keys, format string, reading with weights_only) belongs to netcanvas.model_file.
`bundle_dict` makes a file's contents from a trained module; `load_bundle` rebuilds the module with
netcanvas's own compile_graph and loads the weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import model_file
from ..data.base import Dataset
from ..graph.analyze import analyze
from ..graph.compile import GraphError, compile_graph, node_of_key
from ..graph.schema import Graph
from ..layers import fmt
from ..model_file import ModelData
from .metrics import activate_fn
from .settings import TrainSettings

PREDICT_BATCH = 1024


@dataclass
class InputSpec:
    id: str
    shape: list[int | None]  # batch axis excluded
    dtype: str  # "float32" | "int64"


@dataclass
class Bundle:
    module: torch.nn.Module  # eval mode; outputs of `linear_outputs` nodes are logits
    graph: Graph
    settings: TrainSettings | None
    inputs: list[InputSpec]
    outputs: list[str]
    output_activations: list[str | None]
    linear_outputs: list[str]
    class_names: list[str] | None = None
    dataset: str | None = None


def bundle_dict(
    graph: Graph,
    module: torch.nn.Module,
    *,
    settings: TrainSettings | None,
    linear_outputs: Sequence[str],
    output_activations: Sequence[str | None],
    class_names: Sequence[str] | None = None,
    dataset: str | None = None,
) -> ModelData:
    """The contents of model.pt for a trained `module` of `graph` (write them with save_bundle)."""
    analysis = analyze(graph)
    return ModelData(
        format=model_file.FORMAT,
        graph=graph.model_dump_json(),
        settings=settings.model_dump_json() if settings is not None else None,
        state_dict={k: v.detach().to("cpu").clone() for k, v in module.state_dict().items()},
        linear_outputs=list(linear_outputs),
        outputs=list(analysis.outputs),
        output_activations=list(output_activations),
        inputs=[
            {"id": nid, "shape": list(analysis.input_layer(nid).shape), "dtype": analysis.input_layer(nid).dtype}
            for nid in analysis.inputs
        ],
        class_names=list(class_names) if class_names is not None else None,
        dataset=dataset,
    )


save_bundle = model_file.write  # the one writer, under the name training and the import route use


def weight_problems(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> list[str]:
    """Why `state` cannot be loaded into `module`, per layer (node id), or [] when it fits."""
    own = module.state_dict()

    def layers(keys: Any) -> str:  # keys of layers inside blocks are nested: "mixed0.branch1x1.weight"
        return ", ".join(f"'{nid}'" for nid in dict.fromkeys(node_of_key(module, k) for k in sorted(keys)))

    problems = []
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    resized = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing:
        problems.append(f"the starting model has no weights for {layers(missing)}")
    if extra:
        problems.append(f"it has weights for layers this graph lacks ({layers(extra)})")
    if resized:
        problems.append(f"the weights of {layers(resized)} have other shapes")
    return problems


def starting_weight_problems(graph: Graph, path: Path) -> list[str]:
    """weight_problems for a graph and a model.pt, without allocating the graph's weights."""
    with torch.device("meta"):
        module = compile_graph(graph)
    return weight_problems(module, model_file.read(path, mmap=True)["state_dict"])


def load_initial_weights(module: torch.nn.Module, path: Path) -> None:
    """Train further: copy a saved model's weights into `module` (ValueError naming what differs)."""
    state = model_file.read(path)["state_dict"]
    problems = weight_problems(module, state)
    if problems:
        raise ValueError("The starting weights do not fit this graph: " + "; ".join(problems) + ".")
    module.load_state_dict(state)


def load_bundle(path: Path, device: str | torch.device = "cpu") -> Bundle:
    """Read model.pt (weights_only) and rebuild its module; raises ValueError for a foreign file."""
    data = model_file.read(path, map_location=device)
    graph = Graph.model_validate_json(data["graph"])
    try:
        module = compile_graph(graph, linear_outputs=set(data["linear_outputs"]))
    except GraphError as err:
        raise ValueError(f"The model's graph no longer compiles: {err}") from err
    module.load_state_dict(data["state_dict"])
    module.to(device).eval()
    settings = TrainSettings.model_validate_json(data["settings"]) if data["settings"] else None
    return Bundle(
        module=module, graph=graph, settings=settings,
        inputs=[InputSpec(i["id"], list(i["shape"]), i["dtype"]) for i in data["inputs"]],
        outputs=list(data["outputs"]), output_activations=list(data["output_activations"]),
        linear_outputs=list(data["linear_outputs"]), class_names=data["class_names"],
        dataset=data["dataset"],
    )


def as_input_arrays(inputs: Any, specs: Sequence[InputSpec]) -> list[np.ndarray]:
    """Nested lists / arrays → one checked array per Input node: a batch, a list of batches for
    several inputs (in Input order), or a dict of batches by Input node id."""
    if isinstance(inputs, dict):
        ids = [s.id for s in specs]
        unknown = sorted(set(inputs) - set(ids))
        missing = [i for i in ids if i not in inputs]
        if unknown or missing:
            raise ValueError(
                f"The inputs are named by Input node: the model takes {', '.join(repr(i) for i in ids)}"
                + (f"; {', '.join(repr(u) for u in unknown)} is not one of them" if unknown else "")
                + (f"; {', '.join(repr(m) for m in missing)} is missing" if missing else "") + ".")
        inputs = [inputs[i] for i in ids] if len(ids) > 1 else inputs[ids[0]]
    if len(specs) > 1:
        if not isinstance(inputs, (list, tuple)) or len(inputs) != len(specs):
            names = ", ".join(f"'{s.id}'" for s in specs)
            raise ValueError(f"The model has {len(specs)} inputs ({names}): give a list of {len(specs)} batches, "
                             "one per input, in that order.")
        batches = list(inputs)
    else:
        batches = [inputs]
    arrays = []
    for value, spec in zip(batches, specs, strict=True):
        want = "(N, " + ", ".join("None" if d is None else str(d) for d in spec.shape) + ")"
        try:
            a = np.asarray(value, dtype=np.int64 if spec.dtype == "int64" else np.float32)
        except (ValueError, TypeError) as err:
            raise ValueError(f"Input '{spec.id}' must be a rectangular batch of numbers of shape {want}.") from err
        fits = a.ndim == len(spec.shape) + 1 and all(
            w is None or h == w for h, w in zip(a.shape[1:], spec.shape, strict=True)
        )
        if not fits:
            hint = " (one sample? wrap it in a list to make a batch of one)" if a.ndim == len(spec.shape) else ""
            raise ValueError(f"Input '{spec.id}' expects a batch of shape {want}, got {fmt(a.shape)}{hint}.")
        arrays.append(a)
    if len({len(a) for a in arrays}) > 1:
        raise ValueError("Every input needs the same number of samples; got "
                         + ", ".join(f"'{s.id}': {len(a)}" for s, a in zip(specs, arrays, strict=True)) + ".")
    return arrays


@torch.no_grad()
def predict(
    model: Bundle | torch.nn.Module,
    inputs: Any,
    *,
    output_activations: Sequence[str | None] | None = None,
    batch_size: int = PREDICT_BATCH,
) -> np.ndarray | list[np.ndarray]:
    """Outputs for a batch in the graph's layout: one array, or a list of arrays for several outputs.

    With a Bundle the inputs are checked against its Input nodes (ValueError naming the input) and
    fused activations are applied, so classifiers return probabilities. A bare module takes arrays
    as they are (a list for several inputs) and `output_activations` if given.
    """
    activations: Sequence[str | None]
    if isinstance(model, Bundle):
        module = model.module
        arrays = as_input_arrays(inputs, model.inputs)
        activations = model.output_activations
    else:
        module = model
        arrays = [np.asarray(a) for a in inputs] if isinstance(inputs, (list, tuple)) else [np.asarray(inputs)]
        activations = output_activations or []
    device = next((p.device for p in module.parameters()), torch.device("cpu"))
    was_training = module.training
    module.eval()
    chunks: list[list[torch.Tensor]] = []
    n = len(arrays[0])
    for start in range(0, max(n, 1), batch_size):
        xs = [torch.as_tensor(a[start:start + batch_size]).to(device) for a in arrays]
        out = module(*xs)
        outs = list(out) if isinstance(out, tuple) else [out]
        acts = list(activations) + [None] * (len(outs) - len(activations))
        chunks.append([activate_fn(act)(o).cpu() for act, o in zip(acts, outs, strict=True)])
    module.train(was_training)
    results = [torch.cat(parts).numpy() for parts in zip(*chunks, strict=True)]
    return results[0] if len(results) == 1 else results


def evaluate(bundle: Bundle, data: Dataset) -> dict[str, Any]:
    """Loss and metrics of a loaded model on a data set's test split (POST /api/runs/{id}/evaluate):
    {"metrics": {...}, "confusion_matrix": [[...]] | None, "class_names": [...] | None}.

    Uses the model's own training settings (loss, metrics), or the data set's suggested loss for a
    model without them; raises ValueError when the model and the data set do not fit.
    """
    from .align import align
    from .feeds import n_samples
    from .fit import Trainer
    from .plan import check_inputs, confusion_fits, plan_outputs

    info = data.info
    if n_samples(data.test) == 0:
        raise ValueError(f"Data set '{info.id}' has no test split to evaluate on.")
    settings = bundle.settings or TrainSettings(dataset=info.id, loss=info.suggested_loss)
    analysis = analyze(bundle.graph)
    check_inputs(analysis, info)
    data = align(data, analysis)
    plans = plan_outputs(analysis, info, settings, linear_outputs=bundle.linear_outputs)
    device = next((p.device for p in bundle.module.parameters()), torch.device("cpu"))
    trainer = Trainer(bundle.module, plans, settings, device)
    metrics = trainer.evaluate(data.test)
    confusion = None
    if len(plans) == 1 and confusion_fits(info):
        confusion = trainer.confusion_matrix(data.test, info.target.num_classes or 0)
    original = None
    if info.extra.get("series"):
        from .original_units import split_errors

        original = split_errors(info, bundle, data.test)
    return {
        "metrics": metrics,
        "original_units": original,
        "confusion_matrix": confusion,
        "class_names": info.target.class_names if confusion is not None else None,
    }
