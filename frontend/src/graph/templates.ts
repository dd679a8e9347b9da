// Starting points. Graphs in the version-1 format without positions (auto-laid out on load).
import type { GraphEdgeJson, GraphJson, GraphNodeJson } from "../api/types";
import { GRAPH_FORMAT } from "./convert";

type Spec = [id: string, type: string, params?: Record<string, unknown>];

function chain(name: string, specs: Spec[], extra: GraphEdgeJson[] = []): GraphJson {
  const nodes: GraphNodeJson[] = specs.map(([id, type, params]) => ({ id, type, params: params ?? {} }));
  const edges: GraphEdgeJson[] = [];
  for (let i = 1; i < specs.length; i++) edges.push({ source: specs[i - 1][0], target: specs[i][0] });
  return { format: GRAPH_FORMAT, name, nodes, edges: [...edges, ...extra] };
}

function graph(name: string, specs: Spec[], wires: (string | [string, string, number?, number?])[]): GraphJson {
  const nodes: GraphNodeJson[] = specs.map(([id, type, params]) => ({ id, type, params: params ?? {} }));
  const edges: GraphEdgeJson[] = wires.map((w) => {
    if (typeof w === "string") {
      const [source, target] = w.split(">");
      return { source, target };
    }
    const [source, target, target_port, source_port] = w;
    return { source, target, target_port: target_port ?? 0, source_port: source_port ?? 0 };
  });
  return { format: GRAPH_FORMAT, name, nodes, edges };
}

const conv = (filters: number, kernel = 3, extra: Record<string, unknown> = {}) =>
  ({ filters, kernel_size: kernel, activation: "relu", ...extra });

export interface Template {
  id: string;
  title: string;
  blurb: string;
  graph: GraphJson;
}

export const TEMPLATES: Template[] = [
  {
    id: "mlp",
    title: "MLP",
    blurb: "Two dense layers on flat vectors (MNIST 784).",
    graph: chain("mlp", [
      ["input", "Input", { shape: [784] }],
      ["dense_1", "Dense", { units: 128, activation: "relu" }],
      ["dropout_1", "Dropout", { rate: 0.2 }],
      ["dense_2", "Dense", { units: 10, activation: "softmax" }],
    ]),
  },
  {
    id: "mnist-cnn",
    title: "MNIST CNN",
    blurb: "The Keras MNIST convnet: two convolutions, pooling, dropout.",
    graph: chain("mnist-cnn", [
      ["input", "Input", { shape: [1, 28, 28] }],
      ["conv2d_1", "Conv2D", conv(32)],
      ["conv2d_2", "Conv2D", conv(64)],
      ["max_pooling2d_1", "MaxPooling2D", { pool_size: 2 }],
      ["dropout_1", "Dropout", { rate: 0.25 }],
      ["flatten_1", "Flatten"],
      ["dense_1", "Dense", { units: 128, activation: "relu" }],
      ["dropout_2", "Dropout", { rate: 0.5 }],
      ["dense_2", "Dense", { units: 10, activation: "softmax" }],
    ]),
  },
  {
    id: "inception",
    title: "Inception module",
    blurb: "Four parallel towers (1×1, 3×3, 5×5, pool) concatenated on channels.",
    graph: graph(
      "inception-module",
      [
        ["input", "Input", { shape: [192, 28, 28] }],
        ["tower_1x1", "Conv2D", conv(64, 1)],
        ["tower_3x3_reduce", "Conv2D", conv(96, 1)],
        ["tower_3x3", "Conv2D", conv(128, 3, { padding: "same" })],
        ["tower_5x5_reduce", "Conv2D", conv(16, 1)],
        ["tower_5x5", "Conv2D", conv(32, 5, { padding: "same" })],
        ["tower_pool", "MaxPooling2D", { pool_size: 3, strides: 1, padding: "same" }],
        ["tower_pool_proj", "Conv2D", conv(32, 1)],
        ["mixed", "Concatenate", {}],
      ],
      [
        "input>tower_1x1", "input>tower_3x3_reduce", "tower_3x3_reduce>tower_3x3", "input>tower_5x5_reduce",
        "tower_5x5_reduce>tower_5x5", "input>tower_pool", "tower_pool>tower_pool_proj",
        ["tower_1x1", "mixed", 0], ["tower_3x3", "mixed", 1], ["tower_5x5", "mixed", 2], ["tower_pool_proj", "mixed", 3],
      ],
    ),
  },
  {
    id: "cifar10-cnn",
    title: "CIFAR-10 CNN",
    blurb: "The Keras CIFAR-10 example: two conv blocks and a dense head.",
    graph: chain("cifar10-cnn", [
      ["input", "Input", { shape: [3, 32, 32] }],
      ["conv2d_1", "Conv2D", conv(32, 3, { padding: "same" })],
      ["conv2d_2", "Conv2D", conv(32)],
      ["max_pooling2d_1", "MaxPooling2D", { pool_size: 2 }],
      ["dropout_1", "Dropout", { rate: 0.25 }],
      ["conv2d_3", "Conv2D", conv(64, 3, { padding: "same" })],
      ["conv2d_4", "Conv2D", conv(64)],
      ["max_pooling2d_2", "MaxPooling2D", { pool_size: 2 }],
      ["dropout_2", "Dropout", { rate: 0.25 }],
      ["flatten_1", "Flatten"],
      ["dense_1", "Dense", { units: 512, activation: "relu" }],
      ["dropout_3", "Dropout", { rate: 0.5 }],
      ["dense_2", "Dense", { units: 10, activation: "softmax" }],
    ]),
  },
  {
    id: "lstm-classifier",
    title: "LSTM classifier",
    blurb: "Embedding → LSTM → sigmoid, for token sequences (IMDB-style).",
    graph: chain("lstm-classifier", [
      ["input", "Input", { shape: [100], dtype: "int64" }],
      ["embedding_1", "Embedding", { input_dim: 10000, output_dim: 64 }],
      ["lstm_1", "LSTM", { units: 64 }],
      ["dense_1", "Dense", { units: 1, activation: "sigmoid" }],
    ]),
  },
  {
    id: "lstm-forecaster",
    title: "LSTM forecaster",
    blurb: "30 past steps of 1 feature → LSTM → the next value (series_seasonal; set window, features, horizon).",
    graph: chain("lstm-forecaster", [
      ["input", "Input", { shape: [30, 1] }],
      ["lstm_1", "LSTM", { units: 32 }],
      ["dense_1", "Dense", { units: 1 }],
    ]),
  },
  {
    id: "char-rnn",
    title: "Char-RNN",
    blurb: "Keras's lstm_text_generation: 40 characters → Embedding → LSTM(128) → the next character (softmax). Upload a .txt; set input_dim and units to its vocabulary size.",
    graph: chain("char-rnn", [
      ["input", "Input", { shape: [40], dtype: "int64" }],
      ["embedding_1", "Embedding", { input_dim: 64, output_dim: 32 }],
      ["lstm_1", "LSTM", { units: 128 }],
      ["dense_1", "Dense", { units: 64, activation: "softmax" }],
    ]),
  },
  {
    id: "seq2seq",
    title: "Encoder–decoder",
    blurb: "Keras's seq2seq: the encoder LSTM's h and c start the decoder (initial_state). Trains on Reverse a word.",
    graph: graph(
      "encoder-decoder",
      [
        ["encoder_input", "Input", { shape: [8, 29] }],
        ["encoder", "LSTM", { units: 128, return_state: true }],
        ["decoder_input", "Input", { shape: [9, 29] }],
        ["decoder", "LSTM", { units: 128, return_sequences: true }],
        ["decoder_dense", "Dense", { units: 29, activation: "softmax" }],
      ],
      [
        "encoder_input>encoder",
        "decoder_input>decoder",
        ["encoder", "decoder", 1, 1],
        ["encoder", "decoder", 2, 2],
        "decoder>decoder_dense",
      ],
    ),
  },
  {
    id: "residual",
    title: "Residual block",
    blurb: "Two 3×3 convolutions with an identity shortcut added back.",
    graph: graph(
      "residual-block",
      [
        ["input", "Input", { shape: [64, 16, 16] }],
        ["conv2d_1", "Conv2D", conv(64, 3, { padding: "same" })],
        ["conv2d_2", "Conv2D", { filters: 64, kernel_size: 3, padding: "same" }],
        ["add_1", "Add", {}],
        ["activation_1", "Activation", { activation: "relu" }],
      ],
      ["input>conv2d_1", "conv2d_1>conv2d_2", ["input", "add_1", 0], ["conv2d_2", "add_1", 1], "add_1>activation_1"],
    ),
  },
  {
    id: "vgg-block",
    title: "VGG-style block",
    blurb: "Stacked 3×3 convolutions then pooling, twice, and a classifier.",
    graph: chain("vgg-block", [
      ["input", "Input", { shape: [3, 32, 32] }],
      ["block1_conv1", "Conv2D", conv(64, 3, { padding: "same" })],
      ["block1_conv2", "Conv2D", conv(64, 3, { padding: "same" })],
      ["block1_pool", "MaxPooling2D", { pool_size: 2 }],
      ["block2_conv1", "Conv2D", conv(128, 3, { padding: "same" })],
      ["block2_conv2", "Conv2D", conv(128, 3, { padding: "same" })],
      ["block2_pool", "MaxPooling2D", { pool_size: 2 }],
      ["flatten", "Flatten"],
      ["dense_1", "Dense", { units: 10, activation: "softmax" }],
    ]),
  },
];
