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

from fmnist_core.words import CodedError

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF"
ALLOWED_MEMBERS = frozenset({"metadata.json", "config.json", "model.weights.h5"})
MAX_JSON_BYTES = 10_000_000  # a ResNet-50 config is about 0.5 MB
MAX_COMPRESSION_RATIO = 100  # float weights barely compress; deflate tops out near 1000
RATIO_CHECK_MIN_BYTES = 1_000_000  # tiny members (metadata, empty assets) may compress well

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
# Each refused class has its sentence under error.model_file.refused.<class> (words_en.toml).
REFUSED_CLASSES = frozenset({
    "Lambda", "__lambda__", "__typespec__", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer",
    "StringLookup", "IntegerLookup", "TextVectorization", "Hashing",
})  # fmt: skip
# Keras namespaces that hold utilities rather than model components (keras.X or keras.src.X).
REFUSED_NAMESPACES = frozenset({
    "config", "utils", "saving", "ops", "backend", "callbacks", "datasets", "preprocessing",
    "export", "distribution", "legacy", "tree", "random", "applications",
})  # fmt: skip


class ModelFileError(CodedError, ValueError):
    """An uploaded model file is unsafe or unusable; the message is one sentence for the user
    (``error.model_file.<code>`` in the words)."""


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
        raise ModelFileError("error.model_file.incomplete_zip") from None
    check_model_config(config)
    return config


def _check_file_header(path: Path, max_bytes: int) -> None:
    if not path.is_file():
        raise ModelFileError("error.model_file.not_found", name=path.name)
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError("error.model_file.empty")
    if size > max_bytes:
        raise ModelFileError("error.model_file.too_large", limit=max_bytes / 1e6)
    with path.open("rb") as file:
        header = file.read(len(ZIP_MAGIC))
    if header == HDF5_MAGIC:
        raise ModelFileError("error.model_file.hdf5")
    if header != ZIP_MAGIC:
        raise ModelFileError("error.model_file.not_zip")


def _check_members(infos: list[zipfile.ZipInfo], max_bytes: int, max_members: int) -> None:
    if len(infos) > max_members:
        raise ModelFileError("error.model_file.too_many_files", count=len(infos), limit=max_members)
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise ModelFileError("error.model_file.duplicate_member")
    for info in infos:
        _check_member_name(info.filename)
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError("error.model_file.unusual_member", name=info.filename)
    _check_sizes(infos, max_bytes)
    if "config.json" not in names:
        raise ModelFileError("error.model_file.no_config")


def _check_sizes(infos: list[zipfile.ZipInfo], max_bytes: int) -> None:
    # Sizes come from the central directory; zipfile never inflates a member past its declared size.
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise ModelFileError("error.model_file.unpacks_too_large", size=total / 1e6, limit=max_bytes / 1e6)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise ModelFileError("error.model_file.zip_bomb", name=info.filename, ratio=ratio)


def _check_member_name(name: str) -> None:
    parts = name.split("/")
    unsafe = (
        "\\" in name or "\x00" in name or ":" in name or name.startswith("/") or ".." in parts or "." in parts
    )
    in_assets = parts[0] == "assets" and "" not in parts[1:-1]
    if unsafe or not (name in ALLOWED_MEMBERS or in_assets):
        raise ModelFileError("error.model_file.unexpected_member", name=repr(name))


def _read_json_member(archive: zipfile.ZipFile, name: str) -> object:
    if archive.getinfo(name).file_size > MAX_JSON_BYTES:
        raise ModelFileError("error.model_file.json_too_large", name=name, limit=MAX_JSON_BYTES / 1e6)
    with archive.open(name) as member:
        data = member.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ModelFileError("error.model_file.json_too_large", name=name, limit=MAX_JSON_BYTES / 1e6)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError("error.model_file.invalid_json", name=name) from None


def check_model_config(config: object) -> None:
    """Walks a parsed ``config.json`` and refuses anything but built-in Keras objects.

    Args:
        config: The parsed JSON.

    Raises:
        ModelFileError: Naming the first offending class, module or custom object.
    """
    if not isinstance(config, dict) or config.get("class_name") not in MODEL_CLASSES:
        raise ModelFileError("error.model_file.not_a_model")
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
        raise ModelFileError("error.model_file.malformed_object")
    if class_name in REFUSED_CLASSES:
        raise ModelFileError(f"error.model_file.refused.{class_name}")
    registered = node.get("registered_name")
    if registered not in (None, class_name) and not (
        class_name == "function" and registered == node.get("config")
    ):
        raise ModelFileError("error.model_file.custom_object", name=repr(str(registered)))
    if class_name == "function":
        if module not in FUNCTION_MODULES or node.get("config") not in FUNCTION_NAMES:
            raise ModelFileError("error.model_file.unknown_function", name=repr(str(node.get("config"))))
        return
    _check_module(class_name, module)
    if class_name not in ALLOWED_CLASSES:
        raise ModelFileError("error.model_file.unaccepted_layer", name=class_name)


def _check_module(class_name: str, module: str | None) -> None:
    if module is None:
        return  # Keras resolves module-less names only among its own objects; the class check follows
    parts = module.split(".")
    if parts[0] != "keras":
        raise ModelFileError("error.model_file.foreign_module", name=class_name, module=module)
    namespace = parts[2] if parts[1:2] == ["src"] and len(parts) > 2 else (parts[1] if len(parts) > 1 else "")
    if namespace in REFUSED_NAMESPACES:
        raise ModelFileError("error.model_file.keras_utility", name=class_name, module=module)


def outputs_to_probabilities(outputs: np.ndarray) -> np.ndarray:
    """Returns ``outputs`` as float32 probabilities, applying softmax unless rows already are.

    Args:
        outputs: Model outputs of shape (N, classes).

    Raises:
        ModelFileError: If an output is NaN or infinite.
    """
    outputs = np.asarray(outputs, dtype=np.float32)
    if not np.all(np.isfinite(outputs)):
        raise ModelFileError("error.model_file.not_finite")
    sums = outputs.sum(axis=1, keepdims=True)
    if outputs.min(initial=0.0) >= 0 and np.allclose(sums, 1.0, atol=1e-3):
        return outputs / sums
    exponentials = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return (exponentials / exponentials.sum(axis=1, keepdims=True)).astype(np.float32)


def _one_line(text: object, limit: int = 200) -> str:
    lines = str(text).strip().splitlines()
    line = lines[0].strip() if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
