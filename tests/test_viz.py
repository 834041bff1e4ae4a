import inspect
import subprocess
import sys
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from skvalence import viz  # noqa: E402
from skvalence.analysis.tracking import class_to_stimulus_coords, track_vaxis  # noqa: E402
from skvalence.eeg.montage import FACED_CHANNELS  # noqa: E402

BANDS = ["delta", "theta", "alpha", "beta", "gamma"]
CLASS_COORDS = np.array([-0.9, -0.7, -0.8, -1.0, 0.0, 0.8, 0.6, 1.0, 0.7])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def tracking_result():
    rng = np.random.default_rng(0)
    coords = class_to_stimulus_coords(CLASS_COORDS)
    n_subjects, windows = 3, 3
    subject = np.repeat(np.arange(n_subjects), coords.size * windows)
    stimulus = np.tile(np.repeat(np.arange(coords.size), windows), n_subjects)
    X = 0.4 * np.outer(coords[stimulus], rng.normal(size=160)) + rng.normal(size=(subject.size, 160))
    return track_vaxis(X, stimulus, coords, subject=subject, n_permutations=100, n_random_directions=100,
                       ch_names=FACED_CHANNELS, bands=BANDS, random_state=0)


def _n_points(ax):
    return sum(len(c.get_offsets()) for c in ax.collections)


def _records(n_epochs=3, terms=("ce",)):
    recs = []
    for e in range(1, n_epochs + 1):
        rec = {"epoch": e, "probe_confidence": 0.5 + 0.1 * e}
        for term in terms:
            rec.update({f"grad_norm_{term}": 1 / e, f"grad_basin_frac_{term}": 0.9, f"grad_head_frac_{term}": 1.0})
        recs.append(rec)
    return recs


def _sweep_table():
    return [
        dict(strategy="rsa", delta_bacc=-0.02, ci_low=-0.03, ci_high=-0.01, p_holm=0.0005, verdict="worse",
             delta_class_alignment=0.3, delta_residual_alignment=0.001),
        dict(strategy="axis-mse", delta_bacc=0.001, ci_low=-0.004, ci_high=0.006, p_holm=0.8,
             verdict="equivalent", delta_class_alignment=0.2, delta_residual_alignment=-0.002),
    ]


# ----------------------------------------------------------------------
# the convention
# ----------------------------------------------------------------------


def test_import_is_light_and_not_in_package_init():
    code = ("import sys, skvalence; assert 'skvalence.viz' not in sys.modules; "
            "import skvalence.viz; assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", viz.__all__)
def test_convention(name):
    func = getattr(viz, name)
    params = inspect.signature(func).parameters
    target = "axes" if "axes" in params else "ax"
    assert params[target].kind is inspect.Parameter.KEYWORD_ONLY and params[target].default is None
    # data first: every parameter before the keyword-only ones is positional data
    assert list(params)[0] not in ("ax", "axes")
    doc = inspect.getdoc(func)
    for section in ("Parameters", "Returns", "Examples"):
        assert f"\n{section}\n---" in doc, f"{name} lacks a {section} section"


# ----------------------------------------------------------------------
# V-axis classes
# ----------------------------------------------------------------------


def test_plot_vaxis_classes_sorts_and_colours():
    classes = ["joy", "anger", "neutral", "fear"]
    coords = [0.9, -0.5, 0.1, -0.8]
    ax = viz.plot_vaxis_classes(classes, coords)
    assert len(ax.patches) == 4
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fear", "anger", "neutral", "joy"]
    assert [p.get_width() for p in ax.patches] == pytest.approx([-0.8, -0.5, 0.1, 0.9])
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == ["#c0392b", "#c0392b", "#7f8c8d", "#2471a3"]  # FACED valence by default
    assert ax.get_xlabel() == "coordinate on the V-axis"


def test_plot_vaxis_classes_custom_valence_and_given_ax():
    _, given = plt.subplots()
    ax = viz.plot_vaxis_classes(["a", "b"], [1.0, -1.0], {"a": -1, "b": 1}, ax=given)
    assert ax is given and len(given.figure.axes) == 1
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == ["#2471a3", "#c0392b"]
    with pytest.raises(ValueError, match="coords"):
        viz.plot_vaxis_classes(["a", "b"], [1.0, 0.0, 2.0], {"a": -1, "b": 1})


# ----------------------------------------------------------------------
# tracking
# ----------------------------------------------------------------------


def test_plot_tracking_scatter(tracking_result):
    ax = viz.plot_tracking_scatter(tracking_result)
    assert "cross-validated r" in ax.get_title() and "in-sample" in ax.get_title()
    assert _n_points(ax) == 28
    assert len(ax.collections) == 9  # one scatter per class
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"joy", "neutral", "anger"}
    assert len(ax.lines) == 1  # the least-squares line
    assert ax.get_xlabel() == "V-axis coordinate of the stimulus"


def test_plot_tracking_scatter_given_ax_and_class_names(tracking_result):
    _, given = plt.subplots()
    names = [f"c{i}" for i in range(9)]
    ax = viz.plot_tracking_scatter(tracking_result, ax=given, class_names=names)
    assert ax is given
    assert [t.get_text() for t in ax.get_legend().get_texts()] == names
    with pytest.raises(ValueError, match="class_names"):
        viz.plot_tracking_scatter(tracking_result, class_names=names[:3])


def test_plot_tracking_topomap(tracking_result):
    axes = viz.plot_tracking_topomap(tracking_result)
    assert isinstance(axes, np.ndarray) and axes.shape == (5,)
    assert [ax.get_title() for ax in axes] == BANDS
    fig = axes[0].figure
    assert all(ax.figure is fig for ax in axes)
    assert len(fig.axes) == 6  # five maps and the shared colour bar
    assert "ridge weights" in fig.get_suptitle()


def test_plot_tracking_topomap_given_axes_and_errors(tracking_result):
    fig, given = plt.subplots(1, 5)
    axes = viz.plot_tracking_topomap(tracking_result, axes=given)
    assert all(a is g for a, g in zip(axes, given))
    assert fig.get_suptitle() == ""  # a caller's figure gets no title
    with pytest.raises(ValueError, match="needs 5 axes"):
        viz.plot_tracking_topomap(tracking_result, axes=given[:3])
    flat = SimpleNamespace(coef_=np.ravel(tracking_result.coef_), ch_names=tracking_result.ch_names,
                           bands=tracking_result.bands)
    with pytest.raises(ValueError, match="topography"):
        viz.plot_tracking_topomap(flat)


# ----------------------------------------------------------------------
# rediscovery, sweep, saturation
# ----------------------------------------------------------------------


def test_plot_rediscovery():
    table = [dict(architecture=arch, bacc=0.3 + 0.1 * i, class_alignment=0.5 + 0.1 * i,
                  residual_alignment=0.1 * i) for i, arch in enumerate(["mlp", "mlp", "cnn"])]
    corr = {"bacc_vs_class_alignment": {"r": 0.9, "p_value": 0.01, "n": 3}}
    axes = viz.plot_rediscovery({"table": table, "correlations": corr})
    assert isinstance(axes, np.ndarray) and axes.shape == (2,)
    assert [ax.get_xlabel() for ax in axes] == ["class-PC1 alignment", "within-class residual alignment"]
    assert [_n_points(ax) for ax in axes] == [3, 3]
    assert len(axes[0].collections) == 2  # one colour per architecture
    assert {t.get_text() for t in axes[0].get_legend().get_texts()} == {"cnn", "mlp"}
    assert axes[0].get_title().startswith("r = +0.900") and axes[1].get_title() == ""


def test_plot_rediscovery_given_axes_and_errors():
    table = [dict(bacc=0.4, class_alignment=0.7, residual_alignment=float("nan"))]
    _, given = plt.subplots()
    axes = viz.plot_rediscovery({"table": table}, axes=[given])
    assert axes.shape == (1,) and axes[0] is given
    assert given.get_legend() is None  # no architecture column, no legend
    with pytest.raises(ValueError, match="No alignment column"):
        viz.plot_rediscovery({"table": table}, which=("residual_alignment",))


def test_plot_forest():
    table = _sweep_table()
    ax = viz.plot_forest({"table": table, "settings": {"equivalence_margin": 0.01, "alpha": 0.05}})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["rsa", "axis-mse"]  # sorted by delta
    assert len(ax.containers) == 2  # one error bar per strategy
    assert [t.get_text() for t in ax.texts] == ["***"]  # only rsa is significant
    assert len(ax.patches) == 1  # the equivalence band
    # the colour key lists all four verdicts, whether or not a strategy got them
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "+-0.01 equivalence margin", "worse", "better", "equivalent within +-0.01", "inconclusive"]
    colours = {line.get_label(): to_hex(line.get_color()) for line in ax.lines if line.get_label()[0] != "_"}
    assert colours["worse"] == to_hex("tab:red") and colours["inconclusive"] == to_hex("tab:gray")
    assert ax.get_xlabel() == "Delta balanced accuracy vs. no alignment (mean, 95% CI over seeds)"


def test_plot_forest_names_the_subject_cluster_interval():
    table = [dict(row, unit="subject") for row in _sweep_table()]
    ax = viz.plot_forest({"table": table})
    assert ax.get_xlabel() == "Delta balanced accuracy vs. no alignment (mean, 95% subject-cluster bootstrap CI)"
    table[0]["unit"] = "seed"  # mixed units: not a subject-level plot
    assert viz.plot_forest({"table": table}).get_xlabel().endswith("CI over seeds)")


def test_plot_forest_given_ax_and_alpha():
    _, given = plt.subplots()
    assert viz.plot_forest({"table": _sweep_table()}, ax=given, alpha=0.0001) is given
    assert len(given.texts) == 0 and len(given.patches) == 0  # stricter level, no margin
    assert "equivalent" in [t.get_text() for t in given.get_legend().get_texts()]  # no margin to name


def _displacement_records(n_epochs=3, target=True):
    recs = []
    for e in range(1, n_epochs + 1):
        rec = {"epoch": e, "disp_class_mean": 1.0 / e, "disp_within": 0.01 / e, "disp_resolution": 1e-7}
        if target:
            rec["disp_within_target"] = 1e-4 / e
        recs.append(rec)
    return recs


def test_plot_feature_displacement():
    monitor = SimpleNamespace(records_=_displacement_records(4))
    ax = viz.plot_feature_displacement({"none": monitor, "axis-mse": _displacement_records(4, target=False)})
    assert ax.get_yscale() == "log"
    labels = [line.get_label() for line in ax.lines]
    assert labels[:6] == ["none: class means", "none: within-class residual", "none: residual along target",
                          "float resolution", "axis-mse: class means", "axis-mse: within-class residual"]
    assert len(labels) == 7 and labels[6].startswith("_")  # the second resolution line is not labelled again
    assert list(ax.lines[1].get_ydata()) == pytest.approx([0.01, 0.005, 0.01 / 3, 0.0025])
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3, 4]
    assert to_hex(ax.lines[0].get_color()) == to_hex(ax.lines[1].get_color()) != to_hex(ax.lines[4].get_color())


def test_plot_feature_displacement_given_ax_and_errors():
    _, given = plt.subplots()
    assert viz.plot_feature_displacement({"none": _displacement_records()}, ax=given) is given
    with pytest.raises(ValueError, match="non-empty dict"):
        viz.plot_feature_displacement({})
    with pytest.raises(ValueError, match="No records for run 'none'"):
        viz.plot_feature_displacement({"none": []})


def test_plot_saturation_bars_dict_and_table():
    ax = viz.plot_saturation_bars({"a": {"delta_class": 0.2, "delta_residual": 0.01},
                                   "b": {"delta_class": -0.1, "delta_residual": 0.0}})
    assert [p.get_height() for p in ax.patches] == pytest.approx([0.2, -0.1, 0.01, 0.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    _, given = plt.subplots()
    ax = viz.plot_saturation_bars(_sweep_table(), ax=given)
    assert ax is given and len(ax.patches) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["rsa", "axis-mse"]
    ax = viz.plot_saturation_bars(SimpleNamespace(table=_sweep_table()))
    assert len(ax.patches) == 4


def test_plot_gradient_monitor():
    monitor = SimpleNamespace(records_=_records(4, terms=("ce", "alignment")))
    left, right = viz.plot_gradient_monitor(monitor, terms=("ce", "alignment", "missing"))
    assert len(left.lines) == 2 and len(right.lines) == 4  # the missing term is skipped
    assert list(left.lines[0].get_xdata()) == [1, 2, 3, 4]
    assert left.get_yscale() == "log" and right.get_ylim() == pytest.approx((-0.02, 1.02))
    assert len(left.figure.axes) == 3  # plus the twin axis of the confidence


def test_plot_gradient_monitor_given_axes_and_errors():
    _, given = plt.subplots(1, 2)
    axes = viz.plot_gradient_monitor(_records(), axes=given)
    assert axes.shape == (2,) and axes[0] is given[0] and axes[1] is given[1]
    with pytest.raises(ValueError, match="No records"):
        viz.plot_gradient_monitor([])
    with pytest.raises(ValueError, match="needs 2 axes"):
        viz.plot_gradient_monitor(_records(), axes=[given[0]])


def test_plot_gradient_comparison():
    records = {"none": _records(), "axis-mse": _records(terms=("ce", "alignment"))}
    axes = viz.plot_gradient_comparison(records, terms={"axis-mse": ("ce", "alignment")})
    assert axes.shape == (2, 2)
    assert axes[0, 0].get_title() == "none: gradient norm w.r.t. features"
    assert axes[1, 1].get_title() == "axis-mse: share in basin / head row space"
    assert [len(ax.lines) for ax in axes[:, 0]] == [1, 2]
    fig, given = plt.subplots(2, 2)
    assert all(a is g for a, g in zip(viz.plot_gradient_comparison(records, axes=given).ravel(), given.ravel()))
    assert [len(ax.lines) for ax in given[:, 0]] == [1, 1]  # ("ce",) for every row


# ----------------------------------------------------------------------
# ensemble
# ----------------------------------------------------------------------


def test_plot_ensemble_contributions():
    ensemble = SimpleNamespace(
        residual_alignment_=np.array([0.1, 0.2, 0.3]), loo_contributions_=np.array([0.0, 0.01, 0.02]),
        member_params_=[{"random_state": s, "max_epochs": 100} for s in (1, 2, 3)],
        contribution_alignment_corr_={"r": 0.99, "p_value": 0.05})
    ax = viz.plot_ensemble_contributions(ensemble)
    assert np.asarray(ax.collections[0].get_offsets()).tolist() == [[0.1, 0.0], [0.2, 0.01], [0.3, 0.02]]
    assert [t.get_text() for t in ax.texts] == ["1/100", "2/100", "3/100"]
    assert ax.get_title() == "r = 0.99, p = 0.05"
    _, given = plt.subplots()
    assert viz.plot_ensemble_contributions(ensemble, ax=given) is given
    ensemble.residual_alignment_ = None
    with pytest.raises(ValueError, match="residual alignments"):
        viz.plot_ensemble_contributions(ensemble)


# ----------------------------------------------------------------------
# saving what viz returns
# ----------------------------------------------------------------------


def test_run_context_saves_axes_and_axes_arrays(tmp_path):
    from skvalence.reproduce.context import RunContext

    ctx = RunContext(tmp_path, verbose=0)
    ax = viz.plot_forest({"table": _sweep_table()})
    axes = viz.plot_gradient_comparison({"none": _records()})
    assert ctx.save_figure(ax, "forest") == "forest.png"
    assert ctx.save_figure(axes, "gradients") == "gradients.png"
    for name in ("forest", "gradients"):
        assert (ctx.figures_dir / f"{name}.png").stat().st_size > 0
    assert not plt.fignum_exists(ax.figure.number) and not plt.fignum_exists(axes[0, 0].figure.number)


def _score_rows():
    rows = []
    for pipeline, drop in (("LR on DE", 0.2), ("ensemble", 0.0)):
        for subject in range(4):
            rows.append({"pipeline": pipeline, "protocol": "paper", "subject": subject, "value": 0.4 + drop,
                         "metric": "balanced_accuracy", "chance": 1 / 9})
            if subject < 3:  # subject 3 was not tested under the second protocol
                rows.append({"pipeline": pipeline, "protocol": "stimulus-disjoint", "subject": subject,
                             "value": 0.4, "metric": "balanced_accuracy", "chance": 1 / 9})
    return rows


def test_plot_subject_scores_joins_each_subject_across_protocols():
    ax = viz.plot_subject_scores(_score_rows())
    joins = [line for line in ax.lines if line.get_linestyle() == "-"]
    assert len(joins) == 6  # three subjects scored under both protocols, per pipeline
    # each join runs from the subject's paper score to its stimulus-disjoint score
    lr = [line for line in joins if line.get_xdata()[0] < 2]
    assert all(np.allclose(line.get_ydata(), [0.6, 0.4]) for line in lr)
    chance = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(chance) == 1 and np.isclose(chance[0].get_ydata()[0], 1 / 9)
    assert [t.get_text() for t in ax.texts] == ["LR on DE", "ensemble"]
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["paper", "stimulus-\ndisjoint"]


def test_plot_subject_scores_selects_and_refuses_bad_rows():
    ax = viz.plot_subject_scores(_score_rows(), pipelines=["ensemble"], protocols=["paper"])
    assert [t.get_text() for t in ax.texts] == ["ensemble"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["paper"]
    assert not [line for line in ax.lines if line.get_linestyle() == "-"]
    with pytest.raises(ValueError, match="missing"):
        viz.plot_subject_scores([{"pipeline": "a", "protocol": "p", "value": 0.1}])
    with pytest.raises(ValueError, match="no score rows"):
        viz.plot_subject_scores(_score_rows(), pipelines=["unknown"])
    mixed = _score_rows() + [{"pipeline": "LR on DE", "protocol": "paper", "subject": 0, "value": 0.2,
                              "metric": "accuracy"}]
    with pytest.raises(ValueError, match="mix metrics"):
        viz.plot_subject_scores(mixed)
