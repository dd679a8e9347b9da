"""Everything that leaves (or enters) netcanvas as a file: Keras .h5 (both ways), ONNX, a
torch.export program, and generated PyTorch / Keras source. `artifacts.render` is the entry point
for run downloads; `keras_map` is the one table that maps layer kinds to Keras.
"""
