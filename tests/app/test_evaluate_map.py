"""AppTest of Evaluate's Map tab on the seeded runs: the map's points, the features that are
missing, unavailable or damaged, the chosen cell highlighted, and a selection opening the gallery."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA
from streamlit.testing.v1 import AppTest

from fmnist_core.evaluation import error_analysis, evaluation
from fmnist_core.inspection import features, map_payload
from tests.app.test_evaluate import gallery_titles, run_ids, title_classes

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "evaluate.py")
DIMENSIONS = 16


def open_map(run: str, **state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["evaluate_tab"] = "Map"
    for key, value in state.items():
        at.session_state[key] = value
    at.query_params["run"] = run
    at.run()
    assert not at.exception, at.exception
    return at


def map_args(at: AppTest) -> dict | None:
    """The arguments of the map component on the page, or None when there is no map."""
    maps = [
        element
        for element in at.get("component_instance")
        if element.proto.component_name.endswith("embedding_map")
    ]
    assert len(maps) <= 1
    return json.loads(maps[0].proto.json_args) if maps else None


def known_features(folder: Path, seed: int = 0) -> np.ndarray:
    """Stores clustered (10000, 16) features for the run and returns them as read back."""
    rng = np.random.default_rng(seed)
    labels = evaluation.load_predictions(folder).labels
    centres = rng.normal(scale=5.0, size=(10, DIMENSIONS))
    features.save_features(folder, centres[labels] + rng.normal(size=(len(labels), DIMENSIONS)))
    return features.load_features(folder)


def texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "info", "warning", "error") for e in getattr(at, kind)
    ]
    return "\n".join(str(part) for part in parts)


@pytest.fixture
def cnn(seeded_artifacts: Path) -> tuple[str, Path]:
    run = run_ids(seeded_artifacts)["cnn"]
    return run, seeded_artifacts / "runs" / run


def test_the_map_shows_every_test_image_at_its_pca_position(cnn):
    run, folder = cnn
    stored = known_features(folder)
    at = open_map(run)
    args = map_args(at)
    assert args is not None and args["count"] == 10_000 and args["colour"] == "true"
    coordinates = map_payload.decode(args["coordinates"], "float32", (10_000, 2))
    expected = PCA(n_components=2).fit_transform(stored)
    for axis in range(2):  # a principal axis is defined up to its sign
        correlation = np.corrcoef(coordinates[:, axis], expected[:, axis])[0, 1]
        assert abs(correlation) > 0.999, correlation
    predictions = evaluation.load_predictions(folder)
    assert np.array_equal(map_payload.decode(args["labels"], "uint8", (10_000,)), predictions.labels)
    assert args["highlight"] is None
    assert "Drag a lasso" in texts(at)  # no selection yet: how to make one
    assert "evaluate_map_features_start" not in [button.key for button in at.button]


def test_colour_mode_reaches_the_map(cnn):
    run, folder = cnn
    known_features(folder)
    at = open_map(run)
    at.radio(key="evaluate_map_colour").set_value("confidence").run()
    assert not at.exception, at.exception
    assert map_args(at)["colour"] == "confidence"


def test_missing_features_offer_the_compute_button(cnn):
    run, folder = cnn
    (folder / features.FEATURES_FILE).unlink(missing_ok=True)
    at = open_map(run)
    assert map_args(at) is None
    assert "features of its test images" in texts(at)
    assert at.button(key="evaluate_map_features_start").label == "Compute features"


def test_a_run_without_model_says_so_and_offers_nothing(cnn):
    run, folder = cnn
    (folder / features.FEATURES_FILE).unlink(missing_ok=True)
    (folder / "model.keras").unlink()
    at = open_map(run)
    assert map_args(at) is None
    assert "This run has no map" in texts(at) and "model" in texts(at)
    assert "evaluate_map_features_start" not in [button.key for button in at.button]


def test_damaged_features_are_reported(cnn):
    run, folder = cnn
    (folder / features.FEATURES_FILE).write_bytes(b"not a numpy file")
    at = open_map(run)
    assert map_args(at) is None
    assert "This run's features cannot be read" in texts(at) and "damaged" in texts(at)
    assert at.button(key="evaluate_map_features_start").label == "Compute features again"


def test_the_chosen_confusion_cell_is_highlighted_and_can_be_cleared(cnn):
    run, folder = cnn
    known_features(folder)
    evaluation_ = evaluation.RunEvaluation.from_predictions(evaluation.load_predictions(folder))
    cell = next(
        (int(i), int(j))
        for i, j in zip(
            evaluation_.confusions["true_index"], evaluation_.confusions["predicted_index"], strict=True
        )
    )
    at = open_map(run, evaluate_true_class=cell[0], evaluate_predicted_class=cell[1])
    args = map_args(at)
    expected = error_analysis.select_gallery(evaluation_, *cell)
    highlight = map_payload.decode(args["highlight"], "uint32", (len(expected),))
    labels, predicted = evaluation_.predictions.labels, evaluation_.predictions.predicted
    assert np.array_equal(np.sort(highlight), np.flatnonzero((labels == cell[0]) & (predicted == cell[1])))
    assert f"Highlighted: the {len(expected):,} misclassified images" in texts(at)
    at.button(key="evaluate_map_clear_cell").click().run()
    assert not at.exception, at.exception
    assert map_args(at)["highlight"] is None and "Highlighted" not in texts(at)


def test_a_selection_opens_those_images_in_the_gallery(cnn):
    run, folder = cnn
    known_features(folder)
    at = open_map(run)
    token = map_args(at)["selection_token"]
    labels = evaluation.load_predictions(folder).labels
    chosen = [int(i) for i in np.flatnonzero(labels == 6)[:7]] + [int(np.flatnonzero(labels == 0)[0])]
    at.session_state["evaluate_map"] = {"indices": chosen, "kind": "lasso", "token": token}
    at.run()
    assert not at.exception, at.exception
    assert "8 images selected: 7 Shirt, 1 T-shirt/top (true classes)." in texts(at)
    titles = gallery_titles(at, "evaluate_map_gallery")
    assert len(titles) == 8
    assert sorted(title_classes(t)[0] for t in titles) == ["Shirt"] * 7 + ["T-shirt/top"]
