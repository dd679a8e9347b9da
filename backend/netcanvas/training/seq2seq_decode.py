"""Decoding with a trained sequence-to-sequence model: the seeds' encoder_model / decoder_model.

The Keras lstm_seq2seq example trains one model (encoder LSTM with return_state → the decoder
LSTM's initial_state, teacher forcing), then builds two more from its layers to translate: the
encoder (inputs → states) and the decoder run one step at a time (a token + the states → the next
token's probabilities + the new states). Users draw only the first; this module derives the other
two from its graph: the encoder graph ends at the states the decoder starts from (read out through
weightless linear Activation nodes, as a graph output is a layer's first output), and the step graph
is the decoder side with one new Input per state on the decoder's state ports and return_state set
on the decoder's recurrent layer. No new weights: both are compiled with compile_graph and get the
trained ones by node id (node_weights.copy_weights), so each step gives exactly the training
graph's output for that time step under teacher forcing.

`decode` checks everything before it returns its iterator (ValueError with a sentence naming the
fix: unknown characters, a too-long input, a model that is not an encoder–decoder), so a streaming
route can answer 422 before it starts sending.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data.seq2seq import one_hot, source_ids
from ..data.vocabulary import Vocabulary
from ..graph.analyze import Analysis, analyze
from ..graph.blocks import inline
from ..graph.compile import GraphError, compile_graph
from ..graph.schema import Edge, Graph, Node
from ..graph.surgery import upstream
from ..layers.input import Input
from .bundle import Bundle
from .features import fused_activations
from .metrics import activate_fn
from .node_weights import copy_weights
from .plan import output_activation

MAX_BEAM_WIDTH = 16
MAX_DECODE_LENGTH = 1000
DECODERS = frozenset({"SimpleRNN", "LSTM", "GRU"})  # a decoder run step by step carries its states
STATE_SOURCES = DECODERS | {"Bidirectional"}
# Kinds that act on each time step alone: stepping through them one step at a time is exact.
PER_STEP = frozenset({
    "Dense", "Dropout", "Activation", "Softmax", "ReLU", "LeakyReLU", "ELU", "PReLU", "LayerNormalization",
    "UnitNormalization", "Rescaling", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Embedding", "Masking",
    "TimeDistributed", "ActivityRegularization", "Identity",
})


@dataclass(frozen=True)
class Link:
    """Where a graph's encoder hands its states to its decoder."""

    decoder: str  # the recurrent node whose initial states are the encoder's
    states: list[tuple[str, int]]  # what feeds its state ports, in port order (node, output port)
    encoder_inputs: list[str]
    decoder_input: str
    output: str  # the model output: the decoder's per-step token scores
    encoder_nodes: frozenset[str]
    step_nodes: frozenset[str]  # the decoder side: its input, the decoder, and what follows it


def _kind(a: Analysis, nid: str) -> str:
    layer = a.nodes[nid].layer
    return layer.kind() if layer is not None else ""


def find_link(graph: Graph) -> Link:
    """The encoder–decoder structure of `graph`; ValueError saying what is missing for decoding."""
    flat = inline(graph).graph
    a = analyze(flat)
    if not a.ok:
        raise ValueError(str(GraphError(a)))
    fed = []
    for nid in a.order:
        edges = a.nodes[nid].inputs
        state_edges = [e for e in edges if e.target_port >= 1]
        if _kind(a, nid) in DECODERS and state_edges and all(
                _kind(a, e.source) in STATE_SOURCES and e.source_port >= 1 for e in state_edges):
            fed.append(nid)
    if not fed:
        raise ValueError("This model is not an encoder–decoder: no recurrent layer takes its initial states from "
                         "another recurrent layer's states. Decoding needs the seeds' seq2seq shape: an encoder "
                         "LSTM with return_state whose h and c ports feed the decoder LSTM's h and c ports.")
    if len(fed) > 1:
        raise ValueError(f"Decoding runs one decoder step by step, but {', '.join(repr(f) for f in fed)} all take "
                         "initial states from the encoder: keep one decoder recurrent layer.")
    dec = fed[0]
    layer = a.nodes[dec].layer
    if getattr(layer, "go_backwards", False) or not getattr(layer, "return_sequences", False):
        raise ValueError(f"The decoder '{dec}' must read forwards and give every step: set go_backwards off and "
                         "return_sequences on.")
    edges = sorted(a.nodes[dec].inputs, key=lambda e: e.target_port)
    x_edge, state_edges = edges[0], edges[1:]
    states = [(e.source, e.source_port) for e in state_edges]
    encoder_nodes = upstream(flat, {s for s, _ in states})
    x_nodes = upstream(flat, [x_edge.source])
    if x_nodes & encoder_nodes:
        shared = sorted(x_nodes & encoder_nodes)
        raise ValueError(f"The decoder's input sequence depends on the encoder ({', '.join(map(repr, shared[:5]))}): "
                         "decoding feeds the decoder its own tokens, so its sequence input must come from an Input "
                         "of its own.")
    dec_inputs = [i for i in a.inputs if i in x_nodes]
    if len(dec_inputs) != 1:
        raise ValueError(f"The decoder '{dec}' must read one Input (the previous token); it reads "
                         f"{len(dec_inputs)}.")
    if len(a.outputs) != 1:
        raise ValueError(f"Decoding needs one model output (the decoder's tokens); this model has {len(a.outputs)} "
                         f"({', '.join(a.outputs)}).")
    out = a.outputs[0]
    cut = flat.model_copy(update={"edges": [e for e in flat.edges if not (e.target == dec and e.target_port >= 1)]})
    needed = upstream(cut, [out])
    if dec not in needed or needed & encoder_nodes:
        raise ValueError(f"The output '{out}' must be computed from the decoder '{dec}' alone (the encoder reaches "
                         "it only through the decoder's initial states).")
    extra = [i for i in a.inputs if i not in encoder_nodes and i not in x_nodes]
    if extra:
        raise ValueError(f"Decoding feeds the encoder and decoder inputs only; Input(s) {', '.join(extra)} are "
                         "fed by neither.")
    for nid in sorted(needed - {dec}):
        kind = _kind(a, nid)
        if kind != "Input" and kind not in PER_STEP:
            raise ValueError(f"'{nid}' ({kind}) mixes time steps on the decoder side, so the decoder cannot run one "
                             "step at a time: keep only per-step layers (Dense, Dropout, Activation…) around it.")
    if len(a.shapes_of(out)[0]) != 2:
        raise ValueError(f"The output '{out}' must give token scores per time step, (steps, tokens); it gives "
                         f"{a.shapes_of(out)[0]}.")
    return Link(decoder=dec, states=states, encoder_inputs=[i for i in a.inputs if i in encoder_nodes],
                decoder_input=dec_inputs[0], output=out, encoder_nodes=frozenset(encoder_nodes),
                step_nodes=frozenset(needed))


def _fresh(taken: set[str], base: str) -> str:
    name, i = base, 1
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


def inference_graphs(graph: Graph, link: Link) -> tuple[Graph, Graph]:
    """(encoder graph, decoder step graph) of a trained graph (node ids kept, so weights follow)."""
    flat = inline(graph).graph
    a = analyze(flat)
    taken = {n.id for n in flat.nodes}
    linear = {"activation": "linear"}

    enc_nodes = [n for n in flat.nodes if n.id in link.encoder_nodes]
    enc_edges = [e for e in flat.edges if e.source in link.encoder_nodes and e.target in link.encoder_nodes]
    reads = [_fresh(taken, f"{link.decoder}_initial_state_{k + 1}") for k in range(len(link.states))]
    enc_nodes += [Node(id=r, type="Activation", params=linear) for r in reads]
    enc_edges += [Edge(source=s, source_port=p, target=r) for (s, p), r in zip(link.states, reads, strict=True)]
    encoder = Graph(name=f"{graph.name} (encoder)", nodes=enc_nodes, edges=enc_edges, outputs=reads)

    state_shapes = (a.nodes[link.decoder].input_shapes or [])[1:]
    state_ins = [_fresh(taken, f"{link.decoder}_state_in_{k + 1}") for k in range(len(link.states))]
    state_outs = [_fresh(taken, f"{link.decoder}_state_out_{k + 1}") for k in range(len(link.states))]
    nodes = []
    for n in flat.nodes:
        if n.id not in link.step_nodes:
            continue
        if n.id == link.decoder:
            n = n.model_copy(update={"params": {**n.params, "return_state": True}})
        elif n.id == link.decoder_input:  # one step at a time: any length
            shape = list(n.params.get("shape") or [])
            n = n.model_copy(update={"params": {**n.params, "shape": [None, *shape[1:]]}})
        nodes.append(n)
    nodes += [Node(id=s, type="Input", params={"shape": list(shape)})
              for s, shape in zip(state_ins, state_shapes, strict=True)]
    nodes += [Node(id=s, type="Activation", params=linear) for s in state_outs]
    edges = [e for e in flat.edges if e.source in link.step_nodes and e.target in link.step_nodes
             and not (e.target == link.decoder and e.target_port >= 1)]
    edges += [Edge(source=s, target=link.decoder, target_port=k + 1) for k, s in enumerate(state_ins)]
    edges += [Edge(source=link.decoder, source_port=k + 1, target=s) for k, s in enumerate(state_outs)]
    step = Graph(name=f"{graph.name} (decoder step)", nodes=nodes, edges=edges, outputs=[link.output, *state_outs])
    return encoder, step


@dataclass
class Seq2SeqModel:
    """The derived pair, ready to run (eval mode, on the bundle's device)."""

    link: Link
    encoder: nn.Module  # encoder inputs → states
    step: nn.Module  # (decoder input step, *states) → (output, *new states)
    encoder_layers: list[Input]  # the encoder Inputs, in the encoder graph's input order
    decoder_layer: Input  # the decoder Input as trained
    activation: str | None  # applied to the step's output to give what the trained model predicts
    softmax: bool  # that prediction is a probability distribution over the tokens
    device: torch.device

    @torch.no_grad()
    def encode(self, *xs: torch.Tensor) -> list[torch.Tensor]:
        out = self.encoder(*[x.to(self.device) for x in xs])
        return list(out) if isinstance(out, tuple) else [out]

    @torch.no_grad()
    def raw_step(self, x: torch.Tensor, states: Sequence[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One step for a batch: x (N, 1, …) → the output's raw values (N, tokens), new states."""
        out, *new = self.step(x.to(self.device), *states)
        return out[:, -1], list(new)

    def predicted(self, raw: torch.Tensor) -> torch.Tensor:
        """What the trained model predicts for the step (its fused activation applied)."""
        return activate_fn(self.activation)(raw)

    def log_probs(self, raw: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the next token, for beam scores (from the logits where the loss
        fused the softmax; scores of a model without softmax are normalised first)."""
        if self.activation == "softmax" or not self.softmax:
            return torch.log_softmax(raw, dim=-1)
        return torch.log(raw.clamp_min(1e-30))


def _compile(graph: Graph, source: nn.Module, linear: set[str], device: torch.device) -> nn.Module:
    try:
        module = compile_graph(graph, linear_outputs=linear)
    except GraphError as err:
        raise ValueError(f"The decoder cannot run one step at a time: {err}") from err
    copy_weights(module, source)
    return module.to(device).eval()


def derive(bundle: Bundle) -> Seq2SeqModel:
    """The encoder and the decoder step of a trained encoder–decoder (cached per bundle);
    ValueError when the model is not one."""
    key = id(bundle)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            return hit
        link = find_link(bundle.graph)
        enc_graph, step_graph = inference_graphs(bundle.graph, link)
        device = next((p.device for p in bundle.module.parameters()), torch.device("cpu"))
        fused = fused_activations(bundle)
        linear = {link.output} if fused.get(link.output) else set()
        a = analyze(inline(bundle.graph).graph)
        enc_a = analyze(enc_graph)
        act = fused.get(link.output)
        model = Seq2SeqModel(
            link=link, encoder=_compile(enc_graph, bundle.module, set(), device),
            step=_compile(step_graph, bundle.module, linear, device),
            encoder_layers=[enc_a.input_layer(i) for i in enc_a.inputs],
            decoder_layer=a.input_layer(link.decoder_input), activation=act,
            softmax=(act or output_activation(a, link.output)) == "softmax", device=device,
        )
        _cache[key] = model
        weakref.finalize(bundle, _cache.pop, key, None)
        return model


_cache: dict[int, Seq2SeqModel] = {}
_lock = threading.Lock()


def is_seq2seq(bundle: Bundle) -> bool:
    """Whether `bundle` is an encoder–decoder that `decode` can run: two or more inputs, and a
    recurrent layer whose state ports are fed by another recurrent layer's state outputs."""
    if len(bundle.inputs) < 2:
        return False
    try:
        find_link(bundle.graph)
    except ValueError:
        return False
    return True


def _features(layer: Input, vocabulary: Vocabulary, ids: np.ndarray, what: str) -> torch.Tensor:
    """Token ids (N, T) as the Input takes them: ids for an int64 (T,) Input, one-hot for (T, V)."""
    if layer.dtype == "int64" and len(layer.shape) == 1:
        return torch.from_numpy(np.maximum(ids, 0))
    if layer.dtype == "float32" and len(layer.shape) == 2:
        size = layer.shape[1]
        if size != len(vocabulary):
            raise ValueError(f"The {what} reads {size} features per step but the vocabulary has {len(vocabulary)} "
                             "tokens: decode with the data set the model was trained on.")
        return torch.from_numpy(one_hot(ids, len(vocabulary)))
    raise ValueError(f"The {what} takes {layer.dtype} of shape {tuple(layer.shape)}; decoding feeds tokens as "
                     "one-hot rows (steps, tokens) or as token ids (steps,) of int64.")


def decode(bundle: Bundle, vocabulary: Vocabulary, source: str, *, max_length: int,
           beam_width: int = 1) -> Iterator[str]:
    """The decoded tokens of `source`: greedy (beam_width 1) yields each token as it is chosen;
    a beam search keeps the `beam_width` best sequences by summed log-probability and yields the
    best one's tokens at the end. Stops at the end token (not yielded) or after `max_length`.

    Raises ValueError now (before iterating) for unknown characters, a too-long input, a model that
    is not an encoder–decoder or a vocabulary without a start token."""
    if not 1 <= max_length <= MAX_DECODE_LENGTH:
        raise ValueError(f"max_length must be between 1 and {MAX_DECODE_LENGTH}, got {max_length}.")
    if not 1 <= beam_width <= MAX_BEAM_WIDTH:
        raise ValueError(f"beam_width must be between 1 (greedy) and {MAX_BEAM_WIDTH}, got {beam_width}.")
    if vocabulary.start is None:
        raise ValueError("The vocabulary has no start token: decoding feeds the decoder the token its training "
                         "sequences began with; use a data set built for seq2seq.")
    if not vocabulary.split(source):
        raise ValueError("The input is empty: type a sequence to decode.")
    unknown = vocabulary.unknown(source)
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:10])
        raise ValueError(f"The input has {shown}, not in the model's vocabulary: use only "
                         f"{_alphabet(vocabulary)}.")
    model = derive(bundle)
    if len(model.encoder_layers) != 1:
        raise ValueError(f"The encoder reads {len(model.encoder_layers)} inputs; decoding a typed sequence "
                         "feeds one.")
    layer = model.encoder_layers[0]
    ids = source_ids(vocabulary, [source], layer.shape[0])
    states = model.encode(_features(layer, vocabulary, ids, "encoder input"))
    stops = {i for i in (vocabulary.end, vocabulary.pad) if i is not None}
    if beam_width == 1:
        return _greedy(model, vocabulary, states, vocabulary.start, stops, max_length)
    return _beam(model, vocabulary, states, vocabulary.start, stops, max_length, beam_width)


def _alphabet(vocabulary: Vocabulary) -> str:
    special = {vocabulary.pad, vocabulary.oov, vocabulary.start, vocabulary.end}
    tokens = [t for i, t in enumerate(vocabulary.tokens) if i not in special]
    shown = "".join(tokens) if vocabulary.unit == "char" else ", ".join(tokens[:20])
    return f"the training tokens ({shown[:200]})"


def _step_input(model: Seq2SeqModel, vocabulary: Vocabulary, tokens: Sequence[int]) -> torch.Tensor:
    ids = np.asarray(tokens, dtype=np.int64).reshape(-1, 1)
    return _features(model.decoder_layer, vocabulary, ids, "decoder input")


def _greedy(model: Seq2SeqModel, vocabulary: Vocabulary, states: list[torch.Tensor], start: int,
            stops: set[int], max_length: int) -> Iterator[str]:
    token = start
    for _ in range(max_length):
        raw, states = model.raw_step(_step_input(model, vocabulary, [token]), states)
        token = int(raw[0].argmax())
        if token in stops:
            return
        yield vocabulary.tokens[token]


@dataclass
class _Beam:
    score: float
    tokens: list[int]
    row: int  # its states' row in the last step's batch
    done: bool = False


def _beam(model: Seq2SeqModel, vocabulary: Vocabulary, states: list[torch.Tensor], start: int,
          stops: set[int], max_length: int, width: int) -> Iterator[str]:
    alive = [_Beam(0.0, [], 0)]
    finished: list[_Beam] = []
    for _ in range(max_length):
        last = [b.tokens[-1] if b.tokens else start for b in alive]
        batch = [s[[b.row for b in alive]] for s in states]
        raw, states = model.raw_step(_step_input(model, vocabulary, last), batch)
        logp = model.log_probs(raw)
        top = logp.topk(min(width, logp.shape[-1]), dim=-1)
        pool = list(finished)
        for i, b in enumerate(alive):
            for lp, tok in zip(top.values[i].tolist(), top.indices[i].tolist(), strict=True):
                done = tok in stops
                pool.append(_Beam(b.score + lp, b.tokens if done else [*b.tokens, tok], i, done))
        pool.sort(key=lambda b: -b.score)
        pool = pool[:width]
        finished = [b for b in pool if b.done]
        alive = [b for b in pool if not b.done]
        if not alive:
            break
    best = max(finished + alive, key=lambda b: b.score)
    yield from (vocabulary.tokens[t] for t in best.tokens)
