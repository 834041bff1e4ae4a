"""Read a sentence-transformers model's own pooling and normalisation from its folder.

A sentence-transformers model ships ``modules.json`` (the module pipeline: Transformer,
Pooling, optionally Normalize) and ``<pooling dir>/config.json`` (which token pooling it
was trained with). ``HiddenStateEncoder`` uses them for ``layer/pooling/normalize="auto"``:
such a model was trained contrastively on its *last* layer after *its* pooling, and is
compared by cosine, so that is the representation whose geometry is meaningful.

Only JSON is read, and only from the model folder; a malformed file means "not a
sentence-transformers model" (with the reason), never an exception at import time.
"""

from __future__ import annotations

import json
import os

__all__ = ["read_sentence_transformers_config", "ST_POOLING_MODES"]

#: sentence-transformers pooling flag -> pooling name understood by the encoder.
ST_POOLING_MODES = {
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_lasttoken": "last",
}
# Flags of modes this package does not reproduce (a weighted or length-scaled mean).
_UNSUPPORTED_MODES = ("pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens")
_MAX_JSON_BYTES = 1 << 20  # config files are tiny; refuse anything absurd


def _read_json(path):
    if not os.path.isfile(path) or os.path.getsize(path) > _MAX_JSON_BYTES:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _pooling_mode(config, where):
    """Pooling name of a sentence-transformers Pooling config; ValueError when unusable."""
    on = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
    unsupported = [k for k in on if k in _UNSUPPORTED_MODES or k not in ST_POOLING_MODES]
    if unsupported or len(on) != 1:
        raise ValueError(
            f"the sentence-transformers pooling config {where} enables {on or 'no mode'}; "
            f"pooling='auto' reproduces exactly one of {sorted(ST_POOLING_MODES)}. Pass "
            "pooling='mean', 'cls', 'max' or 'last' explicitly"
        )
    return ST_POOLING_MODES[on[0]]


def read_sentence_transformers_config(folder):
    """The pooling and normalisation a sentence-transformers model was trained with.

    Parameters
    ----------
    folder : str or None
        Local model folder (a hub-cache snapshot folder works too).

    Returns
    -------
    config : dict or None
        ``{"pooling": "mean"|"cls"|"max"|"last", "normalize": bool}``; ``normalize`` is
        True when the module pipeline ends in a ``Normalize`` module. ``None`` when the
        folder holds no readable ``modules.json`` with a ``Pooling`` module.

    Raises
    ------
    ValueError
        If the Pooling module enables a mode the encoder cannot reproduce.

    Examples
    --------
    >>> from skvalence.text.encoder import default_model_path
    >>> read_sentence_transformers_config(default_model_path())
    {'pooling': 'mean', 'normalize': True}
    """
    if folder is None or not os.path.isdir(folder):
        return None
    modules = _read_json(os.path.join(folder, "modules.json"))
    if not isinstance(modules, list):
        return None
    types = {str(m.get("type", "")).rsplit(".", 1)[-1]: m for m in modules if isinstance(m, dict)}
    pooling = types.get("Pooling")
    if pooling is None:
        return None
    sub = str(pooling.get("path", "")).strip()
    # The path comes from a file: keep it inside the model folder.
    pool_dir = os.path.realpath(os.path.join(folder, sub))
    if os.path.commonpath([pool_dir, os.path.realpath(folder)]) != os.path.realpath(folder):
        return None
    config = _read_json(os.path.join(pool_dir, "config.json"))
    if not isinstance(config, dict):
        return None
    return {"pooling": _pooling_mode(config, os.path.join(sub, "config.json")),
            "normalize": "Normalize" in types}
