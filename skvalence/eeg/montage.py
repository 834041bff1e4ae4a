"""Channel names of FACED and SEED-V, their 10-20 positions and scalp regions.

Positions come from MNE's template 10-20 montage, so topographic masks,
electrode graphs and topomaps all use the same coordinates.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

#: The 32 channels of the FACED release, in file order (30 EEG, mastoids last).
FACED_CHANNELS = (
    "Fp1", "Fp2", "Fz", "F3", "F4", "F7", "F8", "FC1", "FC2", "FC5", "FC6",
    "Cz", "C3", "C4", "T7", "T8", "CP1", "CP2", "CP5", "CP6", "Pz", "P3", "P4",
    "P7", "P8", "PO3", "PO4", "Oz", "O1", "O2", "A2", "A1",
)  # fmt: skip

#: The 62 channels of SEED-V, in file order.
SEEDV_CHANNELS = (
    "FP1", "FPZ", "FP2", "AF3", "AF4", "F7", "F5", "F3", "F1", "FZ", "F2", "F4",
    "F6", "F8", "FT7", "FC5", "FC3", "FC1", "FCZ", "FC2", "FC4", "FC6", "FT8",
    "T7", "C5", "C3", "C1", "CZ", "C2", "C4", "C6", "T8", "TP7", "CP5", "CP3",
    "CP1", "CPZ", "CP2", "CP4", "CP6", "TP8", "P7", "P5", "P3", "P1", "PZ", "P2",
    "P4", "P6", "P8", "PO7", "PO5", "PO3", "POZ", "PO4", "PO6", "PO8", "CB1",
    "O1", "OZ", "O2", "CB2",
)  # fmt: skip

# Cerebellar electrodes of the Neuroscan cap sit where 10-10 places PO9/PO10.
_ALIASES = {"CB1": "PO9", "CB2": "PO10", "M1": "A1", "M2": "A2"}

#: Scalp regions by 10-20 name stem (the name without its trailing digits and
#: ``z``); a stem listed under two regions (``FT``) belongs to the first.
_REGION_PREFIXES = {
    "frontal": ("FP", "AF", "F", "FC", "FT"),
    "central": ("C",),
    "temporal": ("T", "TP", "FT"),
    "parietal": ("P", "CP"),
    "occipital": ("PO", "O", "CB", "I"),
    "mastoid": ("A", "M"),
}


def _region_of_stem():
    table = {}
    for region, stems in _REGION_PREFIXES.items():
        for stem in stems:
            table.setdefault(stem, region)
    return table


_STEM_REGION = _region_of_stem()


@functools.lru_cache(maxsize=1)
def _template_positions():
    import mne

    name = "colin27_1020" if "colin27_1020" in mne.channels.get_builtin_montages() else "standard_1020"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        montage = mne.channels.make_standard_montage(name)
    positions = montage.get_positions()["ch_pos"]
    return {key.upper(): np.asarray(pos, dtype=float) for key, pos in positions.items()}


def _canonical(name):
    upper = str(name).strip().upper()
    return _ALIASES.get(upper, upper)


def channel_positions(ch_names):
    """3-D head positions (metres) of channels, from the 10-20 template.

    Parameters
    ----------
    ch_names : sequence of str
        Channel names, in any case (``"FP1"`` and ``"Fp1"`` are the same).

    Returns
    -------
    positions : ndarray of shape (n_channels, 3)

    Raises
    ------
    ValueError
        If a channel has no 10-20 position.
    """
    table = _template_positions()
    unknown = [name for name in ch_names if _canonical(name) not in table]
    if unknown:
        raise ValueError(f"Unknown channel(s) with no 10-20 position: {unknown}")
    return np.stack([table[_canonical(name)] for name in ch_names])


def channel_region(name):
    """Scalp region of one channel: frontal, central, temporal, parietal, occipital or mastoid."""
    stem = _canonical(name).rstrip("0123456789Z")
    if stem.startswith("CB"):  # any Neuroscan cerebellar label not aliased above
        return "occipital"
    region = _STEM_REGION.get(stem)
    if region is None:
        raise ValueError(f"Cannot place channel {name!r} in a scalp region")
    return region


def region_mask(ch_names, regions):
    """Boolean mask of the channels that lie in any of ``regions``."""
    regions = {regions} if isinstance(regions, str) else set(regions)
    return np.array([channel_region(name) in regions for name in ch_names])


def hemisphere(name):
    """-1 for left (odd number), +1 for right (even), 0 for midline (z) or unnumbered."""
    digits = "".join(ch for ch in str(name) if ch.isdigit())
    if not digits:
        return 0
    return -1 if int(digits) % 2 else 1


def electrode_adjacency(ch_names, n_neighbors=4):
    """Symmetric 0/1 adjacency linking each electrode to its nearest neighbours.

    Distances are Euclidean between template 10-20 positions; the graph is
    symmetrised, so a node can have more than ``n_neighbors`` links.
    """
    positions = channel_positions(ch_names)
    dist = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    np.fill_diagonal(dist, np.inf)
    k = min(n_neighbors, len(ch_names) - 1)
    nearest = np.argsort(dist, axis=1)[:, :k]
    adjacency = np.zeros(dist.shape)
    np.put_along_axis(adjacency, nearest, 1.0, axis=1)
    return np.maximum(adjacency, adjacency.T)


def make_info(ch_names, sfreq):
    """An ``mne.Info`` for EEG channels with template 10-20 positions set."""
    import mne

    info = mne.create_info(list(ch_names), sfreq=sfreq, ch_types="eeg")
    positions = channel_positions(ch_names)
    montage = mne.channels.make_dig_montage(
        ch_pos=dict(zip(ch_names, positions)), coord_frame="head"
    )
    info.set_montage(montage)
    return info
