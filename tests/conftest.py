"""Shared pytest fixtures: offline Hugging Face, seeding, tiny models."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

# Tests run tiny models on a shared machine: intra-op threads only add
# synchronisation stalls there (a 2-thread tiny forward pass was >10x slower
# than a 1-thread one under load). Override with SKVALENCE_TEST_THREADS.
torch.set_num_threads(int(os.environ.get("SKVALENCE_TEST_THREADS", "1")))


@pytest.fixture(autouse=True)
def _seed_everything():
    """Make every test start from the same random state."""
    np.random.seed(0)
    torch.manual_seed(0)
    yield


@pytest.fixture(autouse=True)
def _quiet_skvalence_logger():
    """Run every test at WARNING (``verbose=None`` prints nothing) and restore the level after."""
    from skvalence.utils import set_log_level

    old = set_log_level("WARNING", return_old_level=True)
    yield
    set_log_level(old)


@pytest.fixture(scope="session")
def minilm_path():
    """Folder of the bundled offline default model (all-MiniLM-L6-v2)."""
    from skvalence.text.encoder import default_model_path

    return default_model_path()


def _tiny(tmp_path_factory, architecture):
    from tiny_models import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp(f"tiny_{architecture}"), architecture)


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory):
    """A tiny random GPT-2 causal LM (2 layers, width 32) saved to disk."""
    return _tiny(tmp_path_factory, "gpt2")


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory):
    """A tiny random Llama causal LM (2 layers, width 32) saved to disk."""
    return _tiny(tmp_path_factory, "llama")


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory):
    """A tiny random BERT encoder (2 layers, width 32) saved to disk."""
    return _tiny(tmp_path_factory, "bert")
