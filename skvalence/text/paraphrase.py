"""Paraphrase anchor stories with any Hugging Face text-generation model.

The paper built 50 paraphrases per story with an instruction-tuned LLM at
temperature 0.7 and kept those of 5-80 tokens. :func:`paraphrase` does the
same with any local or cached causal LM: it samples, filters to the token band,
drops copies of the input and duplicates, and is reproducible with a seed.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state

from skvalence.text.encoder import (
    _first_line,
    _load_pretrained,
    check_texts,
)
from skvalence.utils._logging import progress_disabled
from skvalence.utils._validation import check_count

__all__ = ["paraphrase", "DEFAULT_PROMPT"]

#: Prompt used when none is given; ``{text}`` is replaced by the story.
DEFAULT_PROMPT = (
    "Paraphrase the short story below. Keep the same situation, characters and "
    "emotion, change the wording, and answer with the paraphrase only.\n\n"
    "Story: {text}\n\nParaphrase:"
)


def _load(model, device, local_files_only):
    from transformers import AutoModelForCausalLM

    try:
        tokenizer, lm = _load_pretrained(AutoModelForCausalLM, model, local_files_only)
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"cannot load text-generation model {model!r} (local_files_only="
            f"{local_files_only}): {type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return tokenizer, lm.to(device).eval()


def _prompt_ids(tokenizer, prompt, device):
    if getattr(tokenizer, "chat_template", None):
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True,
            return_tensors="pt", return_dict=True,
        )
    else:
        ids = tokenizer(prompt, return_tensors="pt")
    return {k: v.to(device) for k, v in ids.items() if k in ("input_ids", "attention_mask")}


def _clean(text):
    """First paragraph of a generation, without a leading label or quotes."""
    text = text.strip().split("\n\n")[0].strip()
    text = re.sub(r"^(paraphrase|story)\s*:\s*", "", text, flags=re.IGNORECASE)
    return text.strip().strip('"\u201c\u201d').strip()


def _normalise(text):
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _check_params(n, temperature, min_tokens, max_tokens, max_new_tokens, prompt_template):
    for name, value in (("n", n), ("min_tokens", min_tokens), ("max_tokens", max_tokens),
                        ("max_new_tokens", max_new_tokens)):
        check_count(value, name)
    if not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    if min_tokens > max_tokens:
        raise ValueError(f"min_tokens={min_tokens} is larger than max_tokens={max_tokens}")
    if max_new_tokens < min_tokens:
        raise ValueError(
            f"max_new_tokens={max_new_tokens} is below min_tokens={min_tokens}: every "
            "generation would be filtered out"
        )
    if not isinstance(prompt_template, str) or "{text}" not in prompt_template:
        raise ValueError("prompt_template must be a string containing the field '{text}'")


def paraphrase(texts, model, n=5, temperature=0.7, min_tokens=5, max_tokens=80,
               max_new_tokens=120, random_state=None, prompt_template=DEFAULT_PROMPT,
               device="auto", local_files_only=True, max_rounds=4, verbose=None):
    """Generate paraphrases of each text with a causal language model.

    Parameters
    ----------
    texts : str or sequence of str
        Texts to paraphrase.
    model : str
        Folder or hub id of a Hugging Face causal LM (``AutoModelForCausalLM``).
        The tokenizer's chat template is used when it has one, else the plain
        prompt. Remote code is never run.
    n : int, default=5
        Paraphrases wanted per text.
    temperature : float, default=0.7
        Sampling temperature (the paper's value).
    min_tokens, max_tokens : int, default=5, 80
        Keep only paraphrases whose length, in tokens of ``model``'s tokenizer
        (no special tokens), lies in this band (the paper's 5-80).
    max_new_tokens : int, default=120
        Generation length limit.
    random_state : int, RandomState or None, default=None
        Seed; the same seed gives the same paraphrases.
    prompt_template : str, default=DEFAULT_PROMPT
        Prompt with a ``{text}`` field.
    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available.
    local_files_only : bool, default=True
        Never download when ``True``.
    max_rounds : int, default=4
        Sampling rounds per text; each round draws ``2 * n`` candidates. Fewer
        than ``n`` paraphrases are returned (with a warning) when the rounds
        run out.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).

    Returns
    -------
    paraphrases : list of list of str
        For each input text, up to ``n`` distinct paraphrases in the token band,
        none equal to the input (ignoring case, punctuation and spacing).

    Examples
    --------
    With an instruction-tuned model in the local Hugging Face cache (the paper
    used one at temperature 0.7; the tests run tiny random models instead):

    >>> from skvalence.text import paraphrase
    >>> out = paraphrase(["I found my lost cat."], "Qwen/Qwen3-4B-Instruct-2507",
    ...                  n=3, random_state=0)  # doctest: +SKIP
    >>> len(out), len(out[0])  # doctest: +SKIP
    (1, 3)
    """
    texts = check_texts(texts)
    _check_params(n, temperature, min_tokens, max_tokens, max_new_tokens, prompt_template)
    if not isinstance(model, str) or not model:
        raise TypeError(f"model must be a model folder or hub id (str), got {type(model).__name__}")
    rng = check_random_state(random_state)
    quiet = progress_disabled(verbose)
    tokenizer, lm = _load(model, device, local_files_only)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    iterator = texts
    if not quiet:
        from tqdm.auto import tqdm

        iterator = tqdm(texts, desc="paraphrasing", unit="text")
    results = []
    for text in iterator:
        inputs = _prompt_ids(tokenizer, prompt_template.format(text=text), lm.device)
        start = inputs["input_ids"].shape[1]
        seen, kept = {_normalise(text)}, []
        for _ in range(int(max_rounds)):
            torch.manual_seed(int(rng.randint(np.iinfo(np.int32).max)))
            with torch.inference_mode():
                out = lm.generate(
                    **inputs, do_sample=True, temperature=float(temperature), top_p=1.0,
                    top_k=0, max_new_tokens=int(max_new_tokens), num_return_sequences=2 * n,
                    pad_token_id=pad_id,
                )
            for seq in tokenizer.batch_decode(out[:, start:], skip_special_tokens=True):
                cand = _clean(seq)
                key = _normalise(cand)
                n_tok = len(tokenizer(cand, add_special_tokens=False)["input_ids"])
                if key in seen or not min_tokens <= n_tok <= max_tokens:
                    continue
                seen.add(key)
                kept.append(cand)
            if len(kept) >= n:
                break
        if len(kept) < n:
            warnings.warn(
                f"only {len(kept)} of {n} paraphrases passed the filters for text "
                f"{text[:40]!r}; raise max_rounds or widen the token band", stacklevel=2,
            )
        results.append(kept[:n])
    return results
