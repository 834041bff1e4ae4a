"""
Choosing an alignment strategy with GridSearchCV
================================================

Every alignment strategy of :data:`skvalence.decoders.ALIGNMENT_LOSSES` is a
value of the ``alignment_loss`` parameter of
:class:`~skvalence.decoders.ValenceNetClassifier`, so picking a strategy and
its weight is ordinary model selection: a
:class:`~sklearn.model_selection.GridSearchCV` whose folds are whole subjects
(:class:`~skvalence.model_selection.SubjectKFold`), so no subject is ever on
both sides of a split.

The data are a small *simulated* FACED-like cohort (a test bed with a known
generative model, not evidence about brains). Its ground-truth class valence
stands in for the language-model V-axis to keep the example fast; on real data
use ``VAxisTransformer().fit().class_coords_``.
"""

# %%
# A small simulated cohort
# ------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, cross_val_score

from skvalence.datasets import make_faced_like
from skvalence.decoders import ValenceNetClassifier
from skvalence.model_selection import SubjectKFold

# Models this small train faster on one thread than on several competing ones.
torch.set_num_threads(1)

data = make_faced_like(n_subjects=9, random_state=0, verbose=0)
class_coords = data.truth.class_valence  # one coordinate per class, in label order
print(data.X.shape, "rows;", len(np.unique(data.subject)), "subjects;", len(data.class_names), "classes")

# %%
# The grid: three strategies x two weights
# ----------------------------------------
# A small MLP keeps the search quick; the paper's axial transformer is
# ``ValenceNetClassifier.paper_recipe()``.
net = ValenceNetClassifier(
    "mlp", module__hidden=32, max_epochs=6, batch_size=64, alignment_target=class_coords, random_state=0
)
grid = {"alignment_loss": ["axis-mse", "rsa", "distance-ce"], "alignment_weight": [0.1, 1.0]}
cv = SubjectKFold(n_splits=3, shuffle=True, random_state=0)
search = GridSearchCV(net, grid, cv=cv, scoring="balanced_accuracy", refit=False)
search.fit(data.X, data.y, groups=data.subject)

# The same recipe without any alignment, on the same folds, as the reference.
baseline = cross_val_score(net, data.X, data.y, groups=data.subject, cv=cv, scoring="balanced_accuracy")
print("best:", search.best_params_, f"BACC {search.best_score_:.3f}; no alignment: {baseline.mean():.3f}")

# %%
# Mean cross-validated balanced accuracy per setting
# --------------------------------------------------
# Error bars are the standard deviation over the three subject folds; with so
# few folds and subjects, differences of this size are not evidence of an
# effect -- :func:`skvalence.analysis.sweep.alignment_sweep` does the paired,
# multiple-comparison-corrected test.
res = search.cv_results_
labels = [f"{p['alignment_loss']}\nw={p['alignment_weight']}" for p in res["params"]]
fig, ax = plt.subplots(figsize=(8, 4))
ax.bar(np.arange(len(labels)), res["mean_test_score"], yerr=res["std_test_score"], capsize=3, color="tab:blue")
ax.axhline(baseline.mean(), color="black", ls="--", label="no alignment")
ax.axhline(1 / len(data.class_names), color="gray", ls=":", label="chance")
ax.set_xticks(np.arange(len(labels)), labels, fontsize="small")
ax.set_ylabel("balanced accuracy (3-fold cross-subject)")
ax.set_title("GridSearchCV over alignment strategies and weights")
ax.legend()
fig.tight_layout()
plt.show()
