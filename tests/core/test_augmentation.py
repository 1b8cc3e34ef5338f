"""Training augmentations: what they do to a batch, and that only training batches get them."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_core.data import load_fashion_mnist

tf = pytest.importorskip("tensorflow")

from fmnist_core.training import augmentation  # noqa: E402


@pytest.fixture(scope="module")
def batch() -> np.ndarray:
    """256 training images as the pipeline scales them: float32 (B, 28, 28, 1) in [0, 1]."""
    return load_fashion_mnist().x_train[:256, ..., None].astype(np.float32) / 255.0


def changed_images(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.abs(after - before).reshape(len(before), -1).max(axis=1) > 1e-6


def test_none_is_no_function_and_unknown_names_are_refused() -> None:
    assert augmentation.training_augmentation("none", 0) is None
    with pytest.raises(ValueError, match="shift_flip_zoom"):
        augmentation.training_augmentation("rotate", 0)


def overlap(drawn: np.ndarray, item: np.ndarray) -> float:
    """Intersection over union of two masks."""
    return (drawn & item).sum() / max((drawn | item).sum(), 1)


def test_drawing_keeps_shape_and_range_and_replaces_some_images(batch: np.ndarray) -> None:
    out = augmentation.training_augmentation("drawing", seed=3)(tf.constant(batch)).numpy()
    assert out.shape == batch.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    replaced = changed_images(batch, out)
    assert abs(replaced.mean() - augmentation.DRAWING_SHARE) < 0.1
    np.testing.assert_array_equal(out[~replaced], batch[~replaced])  # the others are untouched
    # A drawing is a flat shape: a silhouette has one grey level inside (blurred at its edge), an
    # outline a dark inside; neither keeps the photo's texture.
    assert all(np.unique(np.round(out[i][out[i] > 0.02], 1)).size < 12 for i in np.flatnonzero(replaced))


def test_drawings_follow_the_item_and_half_point_the_other_way(batch: np.ndarray) -> None:
    out = augmentation.training_augmentation("drawing", seed=5)(tf.constant(batch)).numpy()
    item = batch[..., 0] > augmentation.INK_LEVEL
    same_way = mirrored = 0
    for i in np.flatnonzero(changed_images(batch, out)):
        drawn = out[i, ..., 0] > 0.3
        plain, flipped = overlap(drawn, item[i]), overlap(drawn, item[i][:, ::-1])
        footprint = item[i] | item[i][:, ::-1]  # either way: a flip also shifts an off-centre item
        # Ink lies on the item, up to the 2 pixels a fattened item and a wide pen add around it,
        # and the narrow gaps (between trouser legs, a sandal's straps) the silhouette closes.
        assert (drawn & ~reach_of_pen(footprint)).sum() <= 3
        same_way += plain > flipped + 0.05
        mirrored += flipped > plain + 0.05
    assert same_way >= 10 and mirrored >= 10


def reach_of_pen(item: np.ndarray) -> np.ndarray:
    """Where a drawing of ``item`` may ink: its filled shape, gaps closed, grown by 2 pixels."""
    from scipy import ndimage

    square = np.ones((5, 5), bool)
    padded = np.pad(ndimage.binary_fill_holes(item), 2)
    closed = ndimage.binary_erosion(ndimage.binary_dilation(padded, square), square)[2:-2, 2:-2]
    return ndimage.binary_dilation(closed, square)


def test_drawing_is_reproducible_for_a_seed(batch: np.ndarray) -> None:
    first = augmentation.training_augmentation("drawing", seed=7)(tf.constant(batch)).numpy()
    again = augmentation.training_augmentation("drawing", seed=7)(tf.constant(batch)).numpy()
    other = augmentation.training_augmentation("drawing", seed=8)(tf.constant(batch)).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_texture_holes_are_filled_and_wide_openings_kept() -> None:
    mask = np.zeros((2, 28, 28, 1), np.float32)
    mask[:, 4:24, 4:24] = 1.0
    mask[0, 10, 10] = 0.0  # a one-pixel dark patch inside the item
    mask[1, 8:16, 8:16] = 0.0  # an 8 x 8 opening, like a bag's handle
    as_channels = tf.transpose(tf.constant(mask), [3, 1, 2, 0])  # the layout the augmentation uses
    filled = tf.transpose(augmentation.fill_texture_holes(tf, as_channels), [3, 1, 2, 0]).numpy()
    assert filled[0, 10, 10, 0] == 1.0 and filled[0].sum() == 400
    np.testing.assert_array_equal(filled[1], mask[1])


def test_shift_flip_zoom_uses_keras_layers_and_changes_the_batch(batch: np.ndarray) -> None:
    import keras

    augment = augmentation.training_augmentation("shift_flip_zoom", seed=1)
    layers = augment.func.layers  # a partial of the Keras pipeline, called with training=True
    assert [type(layer) for layer in layers] == [
        keras.layers.RandomTranslation,
        keras.layers.RandomFlip,
        keras.layers.RandomZoom,
    ]
    out = np.asarray(augment(tf.constant(batch)))
    assert out.shape == batch.shape and out.min() >= 0.0 and out.max() <= 1.0 + 1e-6
    assert changed_images(batch, out).mean() > 0.9


def first_batches(augment, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The first training batch of keras_backend's pipeline, with or without an augmentation."""
    from fmnist_core.training import keras_backend

    dataset = load_fashion_mnist()
    images, labels = dataset.x_train[:512], dataset.y_train[:512]
    x, y = next(
        keras_backend.make_dataset(images, labels, 128, seed, True, augment=augment).as_numpy_iterator()
    )
    return x, y


def test_the_training_pipeline_applies_it_and_keeps_the_labels() -> None:
    plain_x, plain_y = first_batches(None)
    drawn_x, drawn_y = first_batches(augmentation.training_augmentation("drawing", seed=1))
    np.testing.assert_array_equal(plain_y, drawn_y)  # the same shuffled images, the same labels
    replaced = changed_images(plain_x, drawn_x)
    assert 0.2 < replaced.mean() < 0.6
    np.testing.assert_array_equal(plain_x[~replaced], drawn_x[~replaced])


def test_a_drawing_run_predicts_validation_and_test_images_unchanged(tmp_path) -> None:
    """The run's stored validation and test predictions are the model's on the clean images: the
    augmentation never reaches them."""
    import keras

    from fmnist_core import data
    from fmnist_core.evaluation import evaluation
    from fmnist_core.runs import runs
    from tests.conftest import train_tiny_run

    folder = train_tiny_run(tmp_path / "artifacts", "cnn_draw", train_samples=600, validation_split=0.2)
    model = keras.saving.load_model(folder / "model.keras", compile=False)
    dataset = load_fashion_mnist()
    clean_test = data.to_model_input(dataset.x_test)[..., None]
    stored = evaluation.load_predictions(folder).probabilities
    np.testing.assert_allclose(model.predict(clean_test, batch_size=1024, verbose=0), stored, atol=1e-6)
    history = runs.read_history(folder)
    clean_val = data.to_model_input(dataset.x_train[480:600])[..., None]
    val_accuracy = (model.predict(clean_val, verbose=0).argmax(1) == dataset.y_train[480:600]).mean()
    assert history[-1]["val_accuracy"] == pytest.approx(val_accuracy, abs=1e-6)


def as_channels(masks: np.ndarray):
    """(B, H, W) masks in the augmentation's layout, (1, H, W, B)."""
    return tf.transpose(tf.constant(masks[..., None].astype(np.float32)), [3, 1, 2, 0])


def test_reframe_scales_the_longest_edge_to_28_and_centres_the_item() -> None:
    shapes = np.zeros((2, 32, 32), np.float32)
    shapes[0, 1:31, 3:13] = 1.0  # 30 x 10, off-centre: shrunk to 28 x 9.3, moved to the middle
    shapes[1, 2:30, 2:30] = 1.0  # 28 x 28 already: copied as it is
    framed = tf.transpose(augmentation.reframe(tf, as_channels(shapes), as_channels(shapes)), [3, 1, 2, 0])
    framed = framed.numpy()[..., 0]
    assert framed.shape == (2, 28, 28)
    rows, cols = np.flatnonzero(framed[0].max(axis=1) > 0.5), np.flatnonzero(framed[0].max(axis=0) > 0.5)
    assert (rows[0], rows[-1]) == (0, 27)
    assert 9 <= cols.size <= 10 and abs((cols[0] + cols[-1]) / 2 - 13.5) <= 0.5
    assert framed[0].sum() == pytest.approx(30 * 10 * (28 / 30) ** 2, rel=0.05)  # area scales too
    np.testing.assert_allclose(framed[1], 1.0, atol=1e-5)


def forced_drawings(monkeypatch, images: np.ndarray, style: int, seed: int = 0) -> np.ndarray:
    """Every image drawn in style ``style`` (index into STYLE_SHARES): (N, 28, 28)."""
    shares = [0.0, 0.0, 0.0]
    shares[style] = 1.0
    monkeypatch.setattr(augmentation, "STYLE_SHARES", tuple(shares))
    monkeypatch.setattr(augmentation, "DRAWING_SHARE", 1.0)
    batch = tf.constant(images[..., None].astype(np.float32) / 255.0)
    return augmentation.training_augmentation("drawing", seed)(batch).numpy()[..., 0]


def closest_overlap(drawn: np.ndarray, reference: np.ndarray) -> float:
    """Overlap of two drawings' ink, the augmented one either way round (it flips half)."""
    return max(overlap(drawn > 0.3, reference > 0.3), overlap(drawn[:, ::-1] > 0.3, reference > 0.3))


def test_filled_outlines_match_the_draw_pages(monkeypatch) -> None:
    """The augmentation's traced, filled outlines look like the renderer's (an independent
    numpy/Pillow drawing through the page's own preprocessing), clearly closer than the plain
    silhouettes are, and fill the frame as the page's framing does."""
    from fmnist_core.drawing import drawing_render

    images = load_fashion_mnist().x_test[:60]
    page = drawing_render.render_drawings(images, "outline")
    traced = forced_drawings(monkeypatch, images, 1)
    silhouettes = forced_drawings(monkeypatch, images, 0)
    traced_score = np.mean([closest_overlap(a, b) for a, b in zip(traced, page, strict=True)])
    silhouette_score = np.mean([closest_overlap(a, b) for a, b in zip(silhouettes, page, strict=True)])
    assert traced_score > 0.88 and traced_score > silhouette_score + 0.05, (traced_score, silhouette_score)
    # Fattened, and then shrunk only by a few per cent: more ink than the silhouette.
    assert ((traced > 0.3).sum(axis=(1, 2)) > (silhouettes > 0.3).sum(axis=(1, 2))).mean() > 0.9
    for drawing in traced:  # re-framed: the longest edge spans the frame, the item is centred
        rows, cols = np.flatnonzero(drawing.max(axis=1) > 0.3), np.flatnonzero(drawing.max(axis=0) > 0.3)
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) >= 26
        assert abs(rows[0] - (27 - rows[-1])) <= 2 and abs(cols[0] - (27 - cols[-1])) <= 2
