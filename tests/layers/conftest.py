import torch

# The machine is shared and the tensors are tiny: one thread avoids oversubscription.
torch.set_num_threads(1)
