"""Helpers shared by several steps: class coordinates on the run's data set."""

from __future__ import annotations

import numpy as np

# SEED-V's five emotions, named as the FACED classes the V-axis knows.
_SEEDV_TO_FACED = {"disgust": "disgust", "fear": "fear", "sad": "sadness", "neutral": "neutral",
                   "happy": "joy"}


def dataset_label(context):
    """The ``dataset`` column of ``scores.csv``: ``faced``/``seedv``, prefixed ``simulated-`` when simulated."""
    return ("simulated-" if context.simulated else "") + context.cohort


def check_seeds(name, seeds):
    """Refuse a profile's seed list ``name`` unless it holds at least one seed, none twice."""
    seeds = list(seeds or ())
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"{name} must hold at least one seed, none twice; got {seeds}")


def class_coordinates(vaxis, class_names):
    """V-axis coordinate of each class of the data set, in ``class_names`` order."""
    lookup = dict(zip(vaxis.classes_, np.asarray(vaxis.class_coords_, dtype=float)))
    names = [_SEEDV_TO_FACED.get(name, name) for name in class_names]
    missing = [n for n in names if n not in lookup]
    if missing:
        raise ValueError(f"the V-axis has no coordinate for class(es) {missing}")
    return np.array([lookup[n] for n in names])


def _class_order(vaxis, class_names):
    """Row of ``vaxis.centroids_`` for each class of the data set, in ``class_names`` order."""
    known = list(vaxis.classes_)
    names = [_SEEDV_TO_FACED.get(name, name) for name in class_names]
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"the V-axis has no centroid for class(es) {missing}")
    return [known.index(n) for n in names]


def class_centroids(vaxis, class_names):
    """The language model's class centroids, row ``k`` for ``class_names[k]`` (label ``k``).

    SEED-V's classes are mapped to the FACED names the V-axis knows (``sad`` ->
    ``sadness``, ``happy`` -> ``joy``). Returns an array of shape (n_classes, hidden_size).
    """
    return np.asarray(vaxis.centroids_, dtype=float)[_class_order(vaxis, class_names)]


def random_direction_class_coords(vaxis, class_names, n_directions, random_state):
    """Class coordinates on random unit directions of the model's hidden space.

    The paper's control: a direction with no relation to valence, through the same
    class centroids (centred on the V-axis centre). Returns an array of shape
    (n_directions, n_classes).
    """
    from ...utils.nulls import random_unit_directions

    centred = class_centroids(vaxis, class_names) - np.asarray(vaxis.center_, dtype=float)
    # A Generator is used as is by random_unit_directions: the same draws as before.
    directions = random_unit_directions(n_directions, centred.shape[1],
                                        random_state=np.random.default_rng(random_state))
    return directions @ centred.T


#: The evaluation protocol of each data set, as ``split["protocol"]`` names it.
PROTOCOLS = {
    "faced": ("faced-paper", "FACED paper split (FACEDPaperSplit): subjects 0-79 train, 80-99 validation, "
                             "100-122 test"),
    "seedv": ("seedv-trials", "SEED-V trial protocol (SEEDVTrialSplit): trials 0-4 of every session train, "
                              "5-9 validation, 10-14 test, pooled over subjects"),
}


def _split_indices(context, data):
    """``(train, val, test)`` row indices of the run's protocol."""
    if context.cohort == "seedv":
        from ...model_selection import SEEDVTrialSplit, seedv_trial_groups

        # The three folds' test parts are trials 0-4, 5-9 and 10-14 of every session.
        trials = seedv_trial_groups(data)
        return tuple(test for _, test in SEEDVTrialSplit().split(data.X, groups=trials))
    from ...model_selection import FACEDPaperSplit

    # Real FACED, or a chosen subset of subjects: by subject id, so the paper's boundaries stay. A
    # whole simulated cohort (any size) by the paper's 80/20/23 proportions, by rank.
    by_id = not context.simulated or context.config.get("subjects") is not None
    splitter = FACEDPaperSplit(assign="id" if by_id else "proportional")
    return splitter.train_validation_test(data.subject)


def paper_split_data(context):
    """The run's EEG data scaled per subject and cut by the data set's own protocol.

    FACED (real or simulated): :class:`~skvalence.model_selection.FACEDPaperSplit`, by subject
    id (a whole simulated cohort, of any size, by the paper's proportions). SEED-V (real or
    simulated): :class:`~skvalence.model_selection.SEEDVTrialSplit`'s trial blocks, as the
    paper and the foundation-model literature evaluate it: trials 0-4 of every session train,
    5-9 validate, 10-14 test, pooled over subjects (so a subject's other trials are in
    training; the split is by trial, not by subject).

    Per-subject standardisation uses each subject's own label-free statistics
    (the literature's practice, and the only thing computed on test subjects).
    Returns a dict with ``train``, ``val``, ``test`` (each a dict of X, y, subject,
    stimulus), ``class_names``, ``protocol`` (``"faced-paper"`` or ``"seedv-trials"``, the
    label of rows in ``scores.csv``) and ``protocol_description``.
    """
    from ...eeg.preprocessing import SubjectStandardScaler

    data = context.eeg
    X = SubjectStandardScaler().fit_transform(data.X, groups=data.subject).astype(np.float32)
    parts = dict(zip(("train", "val", "test"), _split_indices(context, data)))
    out = {name: {"X": X[idx], "y": np.asarray(data.y)[idx], "subject": np.asarray(data.subject)[idx],
                  "stimulus": np.asarray(data.stimulus)[idx]} for name, idx in parts.items()}
    out["class_names"] = list(data.class_names)
    out["protocol"], out["protocol_description"] = PROTOCOLS[context.cohort]
    return out


def train_test_groups(split):
    """Group ids of the training and test rows for the decoder analyses.

    Under FACED's paper split these are the subject ids (never on both sides). Under
    SEED-V's trial protocol every subject is on both sides *by design* (earlier trials
    train, later trials test), so a training row is grouped by ``(subject, trial
    block)``: a distinct id per subject, negative so it cannot equal a test subject's id.
    Test rows keep the subject ids, so per-subject scores still name subjects, and a
    net's internal validation split still holds out whole (subject, block) groups.
    """
    train, test = split["train"]["subject"], split["test"]["subject"]
    if split.get("protocol") == "seedv-trials":
        return -(np.asarray(train, dtype=np.int64) + 1), test
    return train, test


def stimulus_level_coords(context):
    """Per-stimulus coordinates for within-class residual analyses, and what they are.

    The V-axis gives one coordinate per class; the residual analyses need one per
    stimulus. In order: the ``--stimulus-texts`` file (each stimulus's texts through the
    fitted V-axis, averaged), the ``--stimulus-ratings`` file (human valence per stimulus),
    the simulator's latent stimulus valence on a simulated cohort. Without any, the
    analyses are skipped and the source says which option would enable them.

    Returns
    -------
    coords : ndarray indexed by stimulus id, or None
    source : str
        What the coordinates are (the file and its kind), for the report.
    """
    return context.stimulus_coords


def decoder_inputs(context):
    """What the decoder steps share: the protocol split, class and stimulus coordinates."""
    split = paper_split_data(context)
    coords = class_coordinates(context.vaxis, split["class_names"])
    stim_coords, stim_source = stimulus_level_coords(context)
    return split, coords, stim_coords, stim_source


def decoder_params(context, **overrides):
    """Keyword arguments of :class:`~skvalence.decoders.ValenceNetClassifier` for this run.

    The profile's ``decoder_recipe`` (see :func:`recipe_params`): ``"paper"`` gives
    :data:`~skvalence.decoders.PAPER_RECIPE`, a dict gives those parameters; the run's device
    and ``overrides`` are added on top. Every training step builds its nets from this, so
    the manifest can show what each one trained.
    """
    return {**recipe_params(context.config["decoder_recipe"]), "device": context.torch_device, **overrides}


def recipe_params(recipe):
    """The parameters a ``decoder_recipe`` setting stands for.

    ``"paper"``: :data:`~skvalence.decoders.PAPER_RECIPE`. A dict: those parameters; a dict
    with ``"recipe": "paper"`` starts from the paper's and changes what else it holds
    (``--smoke`` writes ``{"recipe": "paper", "max_epochs": 1}``).
    """
    from ...decoders.net import PAPER_RECIPE

    if isinstance(recipe, str):
        recipe = {"recipe": recipe}
    if not isinstance(recipe, dict):
        raise ValueError(f"decoder_recipe must be 'paper' or a dict of parameters, got {recipe!r}")
    recipe = dict(recipe)
    base = recipe.pop("recipe", None)
    if base is not None and base != "paper":
        raise ValueError(f"decoder_recipe: 'recipe' must be 'paper', got {base!r}")
    return {**(PAPER_RECIPE if base == "paper" else {}), **recipe}
