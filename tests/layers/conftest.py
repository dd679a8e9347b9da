import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Tensors here are tiny and the machine is shared: one thread avoids oversubscription."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
