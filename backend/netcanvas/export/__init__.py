"""Everything that leaves (or enters) netcanvas as a file: Keras .h5 (both ways), ONNX, a
torch.export program, and generated PyTorch / Keras source. `artifacts.render` is the entry point
for run downloads. Each layer kind carries its own Keras side (layers/, helpers in kerasio/).
"""
