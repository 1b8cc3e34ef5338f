"""Checks and evaluates user-uploaded ``.keras`` model files, treating them as hostile.

``check_keras_archive`` inspects the zip and its ``config.json`` without running any Keras code;
``model_sandbox.evaluate_keras_file_isolated`` then loads the model in a separate, memory- and
time-limited child process with Keras safe mode on. Keras says safe mode is not a sandbox, hence
both layers.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF"
ALLOWED_MEMBERS = frozenset({"metadata.json", "config.json", "model.weights.h5"})
MAX_JSON_BYTES = 10_000_000  # a ResNet-50 config is about 0.5 MB
MAX_COMPRESSION_RATIO = 100  # float weights barely compress; deflate tops out near 1000
RATIO_CHECK_MIN_BYTES = 1_000_000  # tiny members (metadata, empty assets) may compress well
EXPECTED = "only built-in Keras layers are accepted"
RESAVE_HINT = "upload a file saved with model.save('name.keras')"

MODEL_CLASSES = frozenset({"Sequential", "Functional"})
LAYER_CLASSES = frozenset({
    "InputLayer", "Dense", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
    "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Flatten", "Reshape",
    "Permute", "Dropout", "SpatialDropout2D", "GaussianDropout", "GaussianNoise", "BatchNormalization",
    "LayerNormalization", "Activation", "Softmax", "ReLU", "LeakyReLU", "PReLU", "ELU", "Add",
    "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Rescaling",
    "Normalization", "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Resizing", "CenterCrop",
    "Identity", "RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom", "RandomContrast",
    "RandomBrightness", "RandomCrop",
})  # fmt: skip
# Objects Keras serializes inside layer and compile configs (found by saving real models).
CONFIG_CLASSES = frozenset({
    "DTypePolicy", "FloatDTypePolicy",
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "LecunNormal",
    "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform", "TruncatedNormal",
    "VarianceScaling", "Zeros",
    "L1", "L2", "L1L2", "OrthogonalRegularizer", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm",
    "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion", "Nadam",
    "RMSprop", "SGD", "CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
    "PiecewiseConstantDecay", "PolynomialDecay",
    "SparseCategoricalCrossentropy", "CategoricalCrossentropy", "BinaryCrossentropy",
    "CategoricalFocalCrossentropy", "MeanSquaredError", "MeanAbsoluteError", "KLDivergence",
    "Accuracy", "SparseCategoricalAccuracy", "CategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy", "Mean", "Sum", "AUC", "Precision", "Recall", "F1Score", "FBetaScore",
    "__keras_tensor__", "__tensor__", "__numpy__", "__bytes__", "__ellipsis__", "__slice__",
})  # fmt: skip
ALLOWED_CLASSES = MODEL_CLASSES | LAYER_CLASSES | CONFIG_CLASSES
# Entries with class_name "function" name a Keras activation, loss or metric; for module "builtins"
# Keras only searches its own activations/losses/metrics/... modules for the name.
FUNCTION_NAMES = frozenset({
    "relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "mish", "leaky_relu", "sigmoid",
    "hard_sigmoid", "hard_silu", "hard_swish", "tanh", "softmax", "log_softmax", "softplus",
    "softsign", "linear", "exponential",
    "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mean_absolute_error", "kl_divergence", "accuracy",
    "sparse_categorical_accuracy", "categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
})  # fmt: skip
FUNCTION_MODULES = frozenset({"builtins", "keras.activations", "keras.losses", "keras.metrics"})
REFUSED_CLASSES = {
    "Lambda": "a Lambda layer, which can run arbitrary code",
    "__lambda__": "a serialized Python function, which can run arbitrary code",
    "__typespec__": "a TensorFlow type spec, which can name arbitrary classes",
    "TFSMLayer": "a TFSMLayer layer, which loads an external TensorFlow SavedModel",
    "TorchModuleWrapper": "a TorchModuleWrapper layer, which can run arbitrary code",
    "JaxLayer": "a JaxLayer layer, which can run arbitrary code",
    "FlaxLayer": "a FlaxLayer layer, which can run arbitrary code",
    "StringLookup": "a StringLookup layer, which can read files named in the model",
    "IntegerLookup": "an IntegerLookup layer, which can read files named in the model",
    "TextVectorization": "a TextVectorization layer, which can read files named in the model",
    "Hashing": "a Hashing layer, which is not an image-classifier layer",
}
# Keras namespaces that hold utilities rather than model components (keras.X or keras.src.X).
REFUSED_NAMESPACES = frozenset({
    "config", "utils", "saving", "ops", "backend", "callbacks", "datasets", "preprocessing",
    "export", "distribution", "legacy", "tree", "random", "applications",
})  # fmt: skip


class ModelFileError(ValueError):
    """An uploaded model file is unsafe or unusable; the message is one sentence for the user."""


def check_keras_archive(
    path: str | os.PathLike, *, max_bytes: int = 200_000_000, max_members: int = 64
) -> dict:
    """Statically checks a ``.keras`` file before any Keras code touches it.

    Args:
        path: The uploaded file.
        max_bytes: Limit on the file size and on the total uncompressed size of its members.
        max_members: Limit on the number of zip members.

    Returns:
        The parsed ``config.json``.

    Raises:
        ModelFileError: If the file is not a plain Keras model archive made of built-in layers.
    """
    _check_file_header(Path(path), max_bytes)
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(archive.infolist(), max_bytes, max_members)
            config = _read_json_member(archive, "config.json")
    except ModelFileError:
        raise
    except Exception:  # hostile archives make zipfile, zlib and lzma raise many types
        raise ModelFileError(
            f"the file is not a complete zip archive (it may be truncated or corrupted); {RESAVE_HINT}"
        ) from None
    check_model_config(config)
    return config


def _check_file_header(path: Path, max_bytes: int) -> None:
    if not path.is_file():
        raise ModelFileError(f"no model file was found at '{path.name}'; {RESAVE_HINT}")
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError(f"the model file is empty; {RESAVE_HINT}")
    if size > max_bytes:
        raise ModelFileError(f"the model file is larger than {max_bytes / 1e6:g} MB; upload a smaller model")
    with path.open("rb") as file:
        header = file.read(len(ZIP_MAGIC))
    if header == HDF5_MAGIC:
        raise ModelFileError("this is an HDF5 (.h5) file; only .keras files are accepted")
    if header != ZIP_MAGIC:
        raise ModelFileError(
            f"the file is not a .keras model archive (a .keras file is a zip file); {RESAVE_HINT}"
        )


def _check_members(infos: list[zipfile.ZipInfo], max_bytes: int, max_members: int) -> None:
    if len(infos) > max_members:
        raise ModelFileError(f"the archive has {len(infos)} files; a .keras file holds at most {max_members}")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise ModelFileError(f"the archive lists the same file twice; {RESAVE_HINT}")
    for info in infos:
        _check_member_name(info.filename)
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(
                f"the archive member '{info.filename}' is encrypted or compressed unusually; {RESAVE_HINT}"
            )
    _check_sizes(infos, max_bytes)
    if "config.json" not in names:
        raise ModelFileError(f"the archive has no config.json, so it is not a Keras model; {RESAVE_HINT}")


def _check_sizes(infos: list[zipfile.ZipInfo], max_bytes: int) -> None:
    # Sizes come from the central directory; zipfile never inflates a member past its declared size.
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise ModelFileError(
            f"the archive unpacks to {total / 1e6:.0f} MB, more than the {max_bytes / 1e6:g} MB allowed; "
            "upload a smaller model"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise ModelFileError(
                f"the archive member '{info.filename}' expands {ratio:.0f} times when unpacked (a zip bomb?); "
                "model files barely compress"
            )


def _check_member_name(name: str) -> None:
    parts = name.split("/")
    unsafe = (
        "\\" in name or "\x00" in name or ":" in name or name.startswith("/") or ".." in parts or "." in parts
    )
    in_assets = parts[0] == "assets" and "" not in parts[1:-1]
    if unsafe or not (name in ALLOWED_MEMBERS or in_assets):
        raise ModelFileError(
            f"the archive contains an unexpected file {name!r}; a .keras file holds only metadata.json, "
            "config.json, model.weights.h5 and assets/"
        )


def _read_json_member(archive: zipfile.ZipFile, name: str) -> object:
    if archive.getinfo(name).file_size > MAX_JSON_BYTES:
        raise ModelFileError(f"{name} is larger than {MAX_JSON_BYTES / 1e6:g} MB; {RESAVE_HINT}")
    with archive.open(name) as member:
        data = member.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ModelFileError(f"{name} is larger than {MAX_JSON_BYTES / 1e6:g} MB; {RESAVE_HINT}")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError(f"{name} in the archive is not valid JSON; {RESAVE_HINT}") from None


def check_model_config(config: object) -> None:
    """Walks a parsed ``config.json`` and refuses anything but built-in Keras objects.

    Args:
        config: The parsed JSON.

    Raises:
        ModelFileError: Naming the first offending class, module or custom object.
    """
    if not isinstance(config, dict) or config.get("class_name") not in MODEL_CLASSES:
        raise ModelFileError(
            f"config.json does not describe a Keras Sequential or Functional model; {RESAVE_HINT}"
        )
    pending: list[object] = [config]
    while pending:  # iterative, so deeply nested JSON cannot exhaust the stack
        node = pending.pop()
        if isinstance(node, dict):
            if "class_name" in node:
                _check_serialized_object(node)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def _check_serialized_object(node: dict) -> None:
    class_name, module = node["class_name"], node.get("module")
    if not isinstance(class_name, str) or not isinstance(module, str | None):
        raise ModelFileError(f"config.json contains a malformed object entry; {RESAVE_HINT}")
    if class_name in REFUSED_CLASSES:
        raise ModelFileError(f"the model uses {REFUSED_CLASSES[class_name]}; {EXPECTED}")
    registered = node.get("registered_name")
    if registered not in (None, class_name) and not (
        class_name == "function" and registered == node.get("config")
    ):
        raise ModelFileError(
            f"the model uses the custom object {str(registered)!r}, which can run arbitrary code; {EXPECTED}"
        )
    if class_name == "function":
        if module not in FUNCTION_MODULES or node.get("config") not in FUNCTION_NAMES:
            raise ModelFileError(
                f"the model refers to the function {str(node.get('config'))!r}, which is not a built-in Keras function; {EXPECTED}"
            )
        return
    _check_module(class_name, module)
    if class_name not in ALLOWED_CLASSES:
        raise ModelFileError(
            f"the model uses '{class_name}', which is not an accepted Keras layer; {EXPECTED} for image classifiers"
        )


def _check_module(class_name: str, module: str | None) -> None:
    if module is None:
        return  # Keras resolves module-less names only among its own objects; the class check follows
    parts = module.split(".")
    if parts[0] != "keras":
        raise ModelFileError(
            f"the model refers to '{class_name}' from module '{module}', which is not part of Keras; {EXPECTED}"
        )
    namespace = parts[2] if parts[1:2] == ["src"] and len(parts) > 2 else (parts[1] if len(parts) > 1 else "")
    if namespace in REFUSED_NAMESPACES:
        raise ModelFileError(
            f"the model refers to '{module}.{class_name}', which is a Keras utility rather than a model component; {EXPECTED}"
        )


def outputs_to_probabilities(outputs: np.ndarray) -> np.ndarray:
    """Returns ``outputs`` as float32 probabilities, applying softmax unless rows already are.

    Args:
        outputs: Model outputs of shape (N, classes).

    Raises:
        ModelFileError: If an output is NaN or infinite.
    """
    outputs = np.asarray(outputs, dtype=np.float32)
    if not np.all(np.isfinite(outputs)):
        raise ModelFileError("the model produced NaN or infinite outputs; check that it trained successfully")
    sums = outputs.sum(axis=1, keepdims=True)
    if outputs.min(initial=0.0) >= 0 and np.allclose(sums, 1.0, atol=1e-3):
        return outputs / sums
    exponentials = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return (exponentials / exponentials.sum(axis=1, keepdims=True)).astype(np.float32)


def _one_line(text: object, limit: int = 200) -> str:
    lines = str(text).strip().splitlines()
    line = lines[0].strip() if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
