"""Keras-semantics compile/fit/evaluate/predict on PyTorch, the worker process and the job runner."""
