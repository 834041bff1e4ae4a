"""Tiny randomly initialised Hugging Face models for the tests.

Real language models are far too large for unit tests; these are built from a
config in well under a second, share the bundled MiniLM tokenizer (so no
download is needed) and exercise the same code paths (decoder vs encoder,
left vs right padding, ``generate``). ``tests/conftest.py`` builds one of each
architecture per session.
"""

from __future__ import annotations

import os

from skvalence.text.encoder import default_model_path

__all__ = ["make_tiny_model"]

_ARCHITECTURES = ("gpt2", "llama", "bert")


def _config(architecture, vocab_size, hidden_size, num_layers, special):
    from transformers import BertConfig, GPT2Config, LlamaConfig

    n_heads = 2 if hidden_size % 2 == 0 else 1
    if architecture == "gpt2":
        return GPT2Config(
            vocab_size=vocab_size, n_embd=hidden_size, n_layer=num_layers,
            n_head=n_heads, n_positions=256, **special,
        )
    if architecture == "llama":
        return LlamaConfig(
            vocab_size=vocab_size, hidden_size=hidden_size,
            intermediate_size=2 * hidden_size, num_hidden_layers=num_layers,
            num_attention_heads=n_heads, num_key_value_heads=n_heads,
            max_position_embeddings=256, **special,
        )
    return BertConfig(
        vocab_size=vocab_size, hidden_size=hidden_size, num_hidden_layers=num_layers,
        num_attention_heads=n_heads, intermediate_size=2 * hidden_size,
        max_position_embeddings=256, pad_token_id=special["pad_token_id"],
    )


def make_tiny_model(path, architecture="gpt2", seed=0, hidden_size=32, num_layers=2):
    """Build and save a tiny randomly initialised Hugging Face model.

    Parameters
    ----------
    path : str or path-like
        Folder to write the model and tokenizer to (created if missing).
    architecture : {"gpt2", "llama", "bert"}, default="gpt2"
        ``"gpt2"`` and ``"llama"`` are causal LMs (loadable with
        ``AutoModelForCausalLM`` and ``AutoModel``); ``"bert"`` is an encoder.
    seed : int, default=0
        Seed of ``torch.manual_seed`` used for the random weights.
    hidden_size : int, default=32
        Width of the model.
    num_layers : int, default=2
        Number of transformer blocks (the hidden-state tuple has
        ``num_layers + 1`` entries).

    Returns
    -------
    path : str
        The folder, ready for ``from_pretrained``.

    Examples
    --------
    >>> import tempfile
    >>> from transformers import AutoModelForCausalLM
    >>> from tiny_models import make_tiny_model
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = make_tiny_model(tmp, "gpt2", hidden_size=16, num_layers=1)
    ...     AutoModelForCausalLM.from_pretrained(folder).config.n_layer
    1
    """
    if architecture not in _ARCHITECTURES:
        raise ValueError(
            f"architecture must be one of {_ARCHITECTURES}, got {architecture!r}"
        )
    if int(hidden_size) < 2 or int(num_layers) < 1:
        raise ValueError("hidden_size must be >= 2 and num_layers >= 1")
    import torch
    from transformers import AutoTokenizer, BertModel, GPT2LMHeadModel, LlamaForCausalLM

    path = os.fspath(path)
    os.makedirs(path, exist_ok=True)
    extra = {}
    if architecture != "bert":
        # Decoder LMs take no segment ids (``generate`` rejects them); passed at
        # load time so the choice is saved with the tokenizer.
        extra["model_input_names"] = ["input_ids", "attention_mask"]
    tokenizer = AutoTokenizer.from_pretrained(default_model_path(), **extra)
    if architecture != "bert":
        # A WordPiece tokenizer has no end-of-text token; reuse [SEP] as eos and
        # [PAD] as pad so padding and generation both work.
        tokenizer.eos_token = tokenizer.sep_token
        tokenizer.bos_token = tokenizer.cls_token
    special = {
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.sep_token_id,
        "bos_token_id": tokenizer.cls_token_id,
    }
    config = _config(architecture, len(tokenizer), int(hidden_size), int(num_layers), special)
    model_cls = {"gpt2": GPT2LMHeadModel, "llama": LlamaForCausalLM, "bert": BertModel}
    torch.manual_seed(seed)
    model = model_cls[architecture](config).eval()
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
