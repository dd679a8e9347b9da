"""Graph JSON (schema), its checks and shape inference (analyze), and compilation to torch.fx."""
