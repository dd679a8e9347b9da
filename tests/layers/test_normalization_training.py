"""BatchNormalization while training moves its statistics exactly as Keras's does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netcanvas.layers import REGISTRY

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.mark.parametrize(("params", "shape"), [({}, (3, 4, 5)), ({"axis": 2, "scale": False}, (4, 5)),
                                               ({"momentum": 0.5, "center": False}, (6,))])
def test_batch_norm_training_step_equals_keras(keras, params, shape):
    layer = REGISTRY["BatchNormalization"].model_validate(params)
    m = layer.build([shape]).train()
    x = torch.randn(8, *shape, generator=torch.Generator().manual_seed(0)) * 3 + 1
    out = m(x)

    kx = np.moveaxis(x.numpy(), 1, -1) if len(shape) == 3 else x.numpy()
    axis = -1 if params.get("axis") is None else params["axis"]
    kl = keras.layers.BatchNormalization(axis=axis, **{k: v for k, v in params.items() if k != "axis"})
    kout = np.asarray(kl(kx, training=True).detach())
    kout = np.moveaxis(kout, -1, 1) if len(shape) == 3 else kout
    np.testing.assert_allclose(out.detach().numpy(), kout, atol=1e-4)
    np.testing.assert_allclose(m.bn.running_mean.numpy(), np.asarray(kl.moving_mean), atol=1e-5)
    np.testing.assert_allclose(m.bn.running_var.numpy(), np.asarray(kl.moving_variance), atol=1e-5)
