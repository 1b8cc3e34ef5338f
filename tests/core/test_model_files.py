"""Hostile and valid ``.keras`` uploads: static archive checks and the isolated child loader.

Only the tests marked "child" start TensorFlow in a subprocess (about 6 s each).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from fmnist_core.models import model_files
from fmnist_core.models.model_files import ModelFileError, check_keras_archive, outputs_to_probabilities
from fmnist_core.models.model_sandbox import evaluate_keras_file_isolated
from fmnist_core.models.models import create_model, get_model_spec, list_models


def _lambda_writing(marker: str) -> Callable:
    return lambda tensor: (open(marker, "w").close(), tensor)[1]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small saved models, built once: softmax, logits, rgb32, five_outputs, lambda (+ its marker)."""
    import keras
    from keras import layers

    folder = tmp_path_factory.mktemp("models")
    marker = folder / "pwned"
    keras.utils.set_random_seed(0)
    specs = {
        "softmax": ((28, 28), [layers.Flatten(), layers.Dense(10, activation="softmax")]),
        "logits": ((28, 28, 1), [layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(10)]),
        "rgb32": ((32, 32, 3), [layers.Flatten(), layers.Dense(10, activation="softmax")]),
        "five_outputs": ((28, 28), [layers.Flatten(), layers.Dense(5, activation="softmax")]),
        "lambda": (
            (28, 28),
            [layers.Lambda(_lambda_writing(str(marker))), layers.Flatten(), layers.Dense(10)],
        ),
    }
    paths = {}
    for name, (input_shape, stack) in specs.items():
        paths[name] = folder / f"{name}.keras"
        keras.Sequential([keras.Input(input_shape), *stack]).save(paths[name])
    marker.unlink()  # building the Lambda model ran its function once; loading must never do so
    paths["marker"] = marker
    return paths


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(7, 28, 28), dtype=np.uint8)


def rewrite_config(source: Path, target: Path, edit: Callable[[dict], None]) -> Path:
    """Copies a .keras zip, passing its config.json through ``edit``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            new.writestr(info.filename, data)
    return target


def reference_outputs(path: Path, images: np.ndarray) -> np.ndarray:
    import keras

    model = keras.saving.load_model(path, compile=False)
    inputs = images.astype("float32").reshape((len(images), *model.input_shape[1:])) / 255.0
    return np.asarray(model.predict(inputs, verbose=0))


def softmax(logits: np.ndarray) -> np.ndarray:
    exponentials = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


# ---- valid models ----------------------------------------------------------------------------


def test_valid_models_pass_the_static_check(models: dict[str, Path]) -> None:
    for name in ("softmax", "logits", "rgb32", "five_outputs"):
        assert check_keras_archive(models[name])["class_name"] == "Sequential"


KERAS_MODELS = [name for name in list_models() if get_model_spec(name).family == "keras"]


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_registry_models_pass_the_static_check(tmp_path: Path, name: str) -> None:
    import keras

    model = create_model(name)
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "model.keras")
    assert check_keras_archive(tmp_path / "model.keras")["class_name"] in ("Sequential", "Functional")


def test_child_returns_the_models_probabilities_and_size(models: dict[str, Path], images: np.ndarray) -> None:
    evaluated = evaluate_keras_file_isolated(models["softmax"], images)
    probabilities = evaluated.probabilities
    assert evaluated.num_params == 7_850  # Flatten -> Dense(10)
    assert probabilities.shape == (7, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probabilities, reference_outputs(models["softmax"], images), atol=1e-5)


def test_child_applies_softmax_to_logits(models: dict[str, Path], images: np.ndarray) -> None:
    logits = reference_outputs(models["logits"], images)
    assert (logits < 0).any()
    probabilities = evaluate_keras_file_isolated(models["logits"], images).probabilities
    np.testing.assert_allclose(probabilities, softmax(logits), atol=1e-5)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("rgb32", r"expects input shape \(None, 32, 32, 3\); Fashion-MNIST images are 28x28 grayscale"),
        ("five_outputs", "the model has 5 outputs; Fashion-MNIST has 10 classes"),
    ],
)
def test_child_refuses_wrong_shapes(
    models: dict[str, Path], images: np.ndarray, name: str, message: str
) -> None:
    with pytest.raises(ModelFileError, match=message):
        evaluate_keras_file_isolated(models[name], images)


def test_outputs_to_probabilities() -> None:
    probabilities = np.array([[0.2, 0.8], [1.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(outputs_to_probabilities(probabilities), probabilities)
    logits = np.array([[2.0, -1.0], [0.5, 0.5]], dtype=np.float32)
    np.testing.assert_allclose(outputs_to_probabilities(logits), softmax(logits), atol=1e-6)
    with pytest.raises(ModelFileError, match="NaN"):
        outputs_to_probabilities(np.array([[np.nan, 1.0]]))


# ---- code execution --------------------------------------------------------------------------


def test_lambda_layer_is_refused_and_never_runs(models: dict[str, Path], images: np.ndarray) -> None:
    message = "the model uses a Lambda layer, which can run arbitrary code; only built-in Keras layers"
    with pytest.raises(ModelFileError, match=message):
        check_keras_archive(models["lambda"])
    assert not models["marker"].exists()
    with pytest.raises(ModelFileError, match=message):
        evaluate_keras_file_isolated(models["lambda"], images)
    assert not models["marker"].exists()


def test_keras_safe_mode_still_refuses_lambda_in_the_child(
    models: dict[str, Path], images: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_files, "check_keras_archive", lambda path: {})  # defence in depth
    with pytest.raises(ModelFileError, match="refused by Keras safe mode") as caught:
        evaluate_keras_file_isolated(models["lambda"], images)
    assert "\n" not in str(caught.value)
    assert not models["marker"].exists()


def _last_layer(config: dict) -> dict:
    return config["config"]["layers"][-1]


EDITS = {
    "os.system": (
        lambda c, marker: _last_layer(c).update(
            module="os", class_name="system", config={"command": f"touch {marker}"}
        ),
        "'system' from module 'os', which is not part of Keras",
    ),
    "enable_unsafe_deserialization": (
        lambda c, _: _last_layer(c).update(module="keras.config", class_name="enable_unsafe_deserialization"),
        "'keras.config.enable_unsafe_deserialization', which is a Keras utility",
    ),
    "keras.src.utils.get_file": (
        lambda c, _: _last_layer(c).update(module="keras.src.utils.file_utils", class_name="get_file"),
        "which is a Keras utility",
    ),
    "custom object": (
        lambda c, _: _last_layer(c).update(module=None, class_name="Name", registered_name="package>Name"),
        "the custom object 'package>Name'",
    ),
    "module-less Lambda": (
        lambda c, _: _last_layer(c).update(class_name="Lambda") or _last_layer(c).pop("module"),
        "a Lambda layer",
    ),
    "builtins function": (
        lambda c, _: _last_layer(c)["config"].update(
            kernel_initializer={
                "module": "builtins",
                "class_name": "function",
                "config": "eval",
                "registered_name": "function",
            }
        ),
        "the function 'eval'",
    ),
    "TFSMLayer": (lambda c, _: _last_layer(c).update(class_name="TFSMLayer"), "a TFSMLayer layer"),
    "StringLookup": (lambda c, _: _last_layer(c).update(class_name="StringLookup"), "a StringLookup layer"),
    "keras_hub": (lambda c, _: _last_layer(c).update(module="keras_hub.layers"), "module 'keras_hub.layers'"),
    "unlisted layer": (
        lambda c, _: _last_layer(c).update(class_name="LSTM"),
        "'LSTM', which is not an accepted",
    ),
    "not a model": (lambda c, _: c.update(class_name="Dense"), "does not describe a Keras Sequential"),
}


@pytest.mark.parametrize("case", list(EDITS))
def test_edited_configs_are_refused(models: dict[str, Path], tmp_path: Path, case: str) -> None:
    edit, message = EDITS[case]
    marker = tmp_path / "pwned"
    path = rewrite_config(models["softmax"], tmp_path / "edited.keras", lambda config: edit(config, marker))
    with pytest.raises(ModelFileError, match=message):
        check_keras_archive(path)
    with pytest.raises(ModelFileError, match=message):
        evaluate_keras_file_isolated(path, np.zeros((1, 28, 28), np.uint8))
    assert not marker.exists()


# ---- malformed archives ----------------------------------------------------------------------


def test_hdf5_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(ModelFileError, match=r"this is an HDF5 \(.h5\) file; only .keras files are accepted"):
        check_keras_archive(path)


@pytest.mark.parametrize(("megabytes", "message"), [(300, "unpacks to 300 MB"), (50, "a zip bomb")])
def test_zip_bomb_is_refused_before_extraction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, megabytes: int, message: str
) -> None:
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", '{"class_name": "Sequential"}')
        with archive.open("model.weights.h5", "w") as member:
            for _ in range(megabytes):
                member.write(bytes(1_000_000))
    assert path.stat().st_size < 1_000_000
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(name))
    with pytest.raises(ModelFileError, match=message):
        check_keras_archive(path)
    assert opened == []


def test_truncated_zip_is_refused(models: dict[str, Path], tmp_path: Path) -> None:
    data = models["softmax"].read_bytes()
    path = tmp_path / "truncated.keras"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not a complete zip archive"):
        check_keras_archive(path)


@pytest.mark.parametrize("name", ["../evil", "/etc/x", "assets/../../x", "assets\\x", "evil.py", "C:/x"])
def test_unexpected_member_names_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "names.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", '{"class_name": "Sequential"}')
        archive.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(ModelFileError, match="unexpected file"):
        check_keras_archive(path)


def test_too_many_members_and_missing_config_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(3):
            archive.writestr(f"assets/{index}", b"x")
    with pytest.raises(ModelFileError, match="has 3 files; a .keras file holds at most 2"):
        check_keras_archive(path, max_members=2)
    with pytest.raises(ModelFileError, match="no config.json"):
        check_keras_archive(path)


def test_invalid_json_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "json.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{not json")
    with pytest.raises(ModelFileError, match="config.json in the archive is not valid JSON"):
        check_keras_archive(path)


def test_missing_empty_and_non_zip_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no model file was found"):
        check_keras_archive(tmp_path / "absent.keras")
    with pytest.raises(ModelFileError, match="no model file was found"):
        check_keras_archive(tmp_path)
    (tmp_path / "empty.keras").touch()
    with pytest.raises(ModelFileError, match="the model file is empty"):
        check_keras_archive(tmp_path / "empty.keras")
    (tmp_path / "pickle.keras").write_bytes(b"\x80\x04\x95" + bytes(20))
    with pytest.raises(ModelFileError, match="not a .keras model archive"):
        check_keras_archive(tmp_path / "pickle.keras")


# ---- child limits ----------------------------------------------------------------------------


def test_child_limits_turn_into_one_line_errors(models: dict[str, Path], images: np.ndarray) -> None:
    with pytest.raises(ModelFileError, match=r"loading the model took longer than 0.5 s"):
        evaluate_keras_file_isolated(models["softmax"], images, timeout_s=0.5)
    with pytest.raises(ModelFileError, match="300 MB memory limit") as caught:
        evaluate_keras_file_isolated(models["softmax"], images, memory_mb=300)
    assert "\n" not in str(caught.value)


def test_bad_images_are_a_programming_error(models: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match=r"uint8 array of shape \(N, 28, 28\)"):
        evaluate_keras_file_isolated(models["softmax"], np.zeros((2, 28, 28), np.float32))


def test_a_loader_that_exits_with_an_error_is_a_clear_refusal(tmp_path: Path) -> None:
    """The child's exit code fills {exit_code}: ``code`` is the error's own key, never a value."""
    from fmnist_core.models.model_sandbox import _child_failure

    error = _child_failure(tmp_path, 3, b"Traceback ...\nValueError: bad layer\n", 1024)
    assert isinstance(error, ModelFileError) and error.code == "error.model_file.loader_failed"
    assert "exit code 3: ValueError: bad layer" in str(error)
