import numpy as np

from skvalence.analysis.stats import _check_disjoint_groups
from skvalence.reproduce.steps._common import train_test_groups


def _split(protocol):
    subjects = np.repeat(np.arange(1, 4), 5)
    return {"protocol": protocol, "train": {"subject": subjects}, "test": {"subject": subjects}}


def test_seedv_trial_protocol_groups_training_rows_apart_from_test_subjects():
    fit_groups, test_groups = train_test_groups(_split("seedv-trials"))
    _check_disjoint_groups(fit_groups, test_groups)  # the subject-protocol guard does not fire
    np.testing.assert_array_equal(test_groups, np.repeat(np.arange(1, 4), 5))  # scores still name subjects
    # one training group per subject, as many as there are subjects
    assert len(np.unique(fit_groups)) == 3


def test_faced_paper_split_keeps_subject_ids_so_an_overlap_is_still_refused():
    import pytest

    fit_groups, test_groups = train_test_groups(_split("faced-paper"))
    with pytest.raises(ValueError, match="in both training and test"):
        _check_disjoint_groups(fit_groups, test_groups)
