"""Helpers shared by several steps: class coordinates on the run's data set."""

from __future__ import annotations

import numpy as np

# SEED-V's five emotions, named as the FACED classes the V-axis knows.
_SEEDV_TO_FACED = {"disgust": "disgust", "fear": "fear", "sad": "sadness", "neutral": "neutral",
                   "happy": "joy"}


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


def paper_split_data(context):
    """The run's EEG data scaled per subject and cut by the paper protocol.

    Per-subject standardisation uses each subject's own label-free statistics
    (the literature's practice, and the only thing computed on test subjects).
    Returns a dict with ``train``, ``val``, ``test`` (each a dict of X, y, subject,
    stimulus) and the class names.
    """
    from ...eeg.preprocessing import SubjectStandardScaler
    from ...model_selection import FACEDPaperSplit

    data = context.eeg
    X = SubjectStandardScaler().fit_transform(data.X, groups=data.subject).astype(np.float32)
    # Real FACED: by subject id, so an incomplete copy keeps the paper's boundaries. A simulated
    # cohort (any size) or SEED-V has no FACED ids: the paper's 80/20/23 proportions by rank.
    assign = "id" if context.dataset_name == "faced" else "proportional"
    splitter = FACEDPaperSplit(assign=assign)
    parts = dict(zip(("train", "val", "test"), splitter.train_validation_test(data.subject)))
    out = {name: {"X": X[idx], "y": np.asarray(data.y)[idx], "subject": np.asarray(data.subject)[idx],
                  "stimulus": np.asarray(data.stimulus)[idx]} for name, idx in parts.items()}
    out["class_names"] = list(data.class_names)
    return out


def stimulus_level_coords(context):
    """Per-stimulus coordinates for within-class residual analyses, and what they are.

    The V-axis gives one coordinate per class; the residual analyses need one per
    stimulus. On the simulated cohort the generator's latent stimulus valence stands
    in (stated in the report); on real data none is available and those analyses
    are skipped.
    """
    truth = context.eeg.get("truth")
    if truth is not None and "stimulus_valence" in truth:
        return np.asarray(truth["stimulus_valence"], dtype=float), "simulator's latent stimulus valence"
    return None, "not available (the V-axis gives class-level coordinates only)"


def decoder_inputs(context):
    """What the decoder steps share: the protocol split, class and stimulus coordinates."""
    split = paper_split_data(context)
    coords = class_coordinates(context.vaxis, split["class_names"])
    stim_coords, stim_source = stimulus_level_coords(context)
    return split, coords, stim_coords, stim_source


def decoder_params(context, **overrides):
    """Keyword arguments of :class:`~skvalence.decoders.ValenceNetClassifier` for this run.

    The profile's ``decoder_recipe``: ``"paper"`` gives :data:`~skvalence.decoders.PAPER_RECIPE`,
    a dict gives those parameters; the run's device and ``overrides`` are added on top. Every
    training step builds its nets from this, so the manifest can show what each one trained.
    """
    from ...decoders.net import PAPER_RECIPE

    recipe = context.config["decoder_recipe"]
    if isinstance(recipe, str):
        if recipe != "paper":
            raise ValueError(f"decoder_recipe must be 'paper' or a dict of parameters, got {recipe!r}")
        recipe = PAPER_RECIPE
    return {**dict(recipe), "device": context.torch_device, **overrides}
