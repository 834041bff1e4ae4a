"""Backbone families: shapes, the features/head split, standardisation and graphs."""

import numpy as np
import pytest
import torch

from skvalence.decoders.modules import AXIAL_PAPER, DGCNN, MODULES, AxialTransformer, build_module
from skvalence.eeg.montage import FACED_CHANNELS, electrode_adjacency



@pytest.mark.parametrize("name", sorted(MODULES))
def test_family_forward_features_head(name):
    torch.manual_seed(0)
    module = build_module(name, 32, 5, 9, ch_names=FACED_CHANNELS).eval()
    x = torch.randn(6, 160)
    features = module.features(x)
    assert features.shape == (6, module.n_features)
    logits = module(x)
    assert logits.shape == (6, 9)
    torch.testing.assert_close(module.head(features), logits)
    # (batch, channels, bands) input is the same grid.
    torch.testing.assert_close(module(x.reshape(6, 32, 5)), logits)
    logits.sum().backward()
    assert all(p.grad is not None for p in module.head.parameters())


def test_input_stats_standardise_inside_the_module():
    torch.manual_seed(0)
    module = build_module("mlp", 4, 5, 3).eval()
    x = torch.randn(5, 20)
    ref = module(x)
    module.set_input_stats(np.full(20, 3.0), np.full(20, 2.0))
    torch.testing.assert_close(module(x * 2.0 + 3.0), ref)
    assert "input_mean" in module.state_dict()


def test_axial_paper_values_and_attention_axes():
    assert AXIAL_PAPER == {"depth": 6, "width": 128}
    module = AxialTransformer(32, 5, 9, **AXIAL_PAPER)
    assert len(module.blocks) == 6 and module.n_features == 128
    torch.manual_seed(0)
    small = AxialTransformer(4, 3, 2, depth=1, width=8, n_heads=2, dropout=0.0).eval()
    x = torch.randn(1, 12)
    # Changing one cell changes the features (attention mixes it into the pooled vector).
    y = x.clone()
    y[0, 7] += 5.0
    assert not torch.allclose(small.features(x), small.features(y))
    with pytest.raises(ValueError, match="divisible"):
        AxialTransformer(4, 5, 3, width=10, n_heads=4)
    with pytest.raises(ValueError, match="pool"):
        AxialTransformer(4, 5, 3, pool="max")


def test_dgcnn_uses_electrode_graph_and_learns_it():
    names = list(FACED_CHANNELS[:10])
    module = DGCNN(10, 5, 3, ch_names=names, n_neighbors=3)
    np.testing.assert_array_equal(module.adjacency.detach().numpy(), electrode_adjacency(names, 3))
    lap = module.laplacian()
    torch.testing.assert_close(lap, lap.T)
    module(torch.randn(4, 50)).sum().backward()
    assert module.adjacency.grad is not None and module.adjacency.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="Unknown channel"):
        DGCNN(2, 5, 3, ch_names=["Fz", "XX9"])
    with pytest.raises(ValueError, match="ch_names has"):
        DGCNN(3, 5, 3, ch_names=["Fz", "Cz"])


def test_build_module_errors():
    with pytest.raises(ValueError, match="valid"):
        build_module("transformer-xl", 4, 5, 3)
    with pytest.raises(TypeError, match="hyper-parameters"):
        build_module("mlp", 4, 5, 3, nonsense=1)
    with pytest.raises(ValueError, match="n_classes"):
        build_module("mlp", 4, 5, 0)
