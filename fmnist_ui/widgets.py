"""Reusable widgets: the model picker, hyperparameter inputs rendered from the registry, run status.

Widget keys include the model name, so switching models shows that model's registry defaults
instead of carrying over another model's values.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import streamlit as st

from fmnist_core.importing import is_imported
from fmnist_core.models import HYPERPARAMETERS, ModelSpec, get_model_spec, list_models

LABELS = {
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "dropout": "Dropout",
    "learning_rate": "Learning rate",
    "validation_split": "Validation split",
}
COMMON_HELP = {
    "seed": "Fixes the random initial weights and the shuffling: the same seed and settings give the "
    "same curves again.",
    "patience": "Early stopping: end training when the validation loss has not improved for this many "
    "epochs and keep the best weights. 0 switches it off.",
    "train_samples": "Train on the first N of the 60,000 training images only. Fewer images make a quick "
    "experiment (and show overfitting sooner); the test set is always all 10,000.",
}
ALL_TRAINING_IMAGES = 60_000
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
STATUS_BADGES = {
    "queued": ":blue-badge[:material/schedule: queued]",
    "running": ":orange-badge[:material/progress_activity: running]",
    "finished": ":green-badge[:material/check_circle: finished]",
    "stopped": ":gray-badge[:material/stop_circle: stopped]",
    "failed": ":red-badge[:material/error: failed]",
}


def model_picker(key: str = "train_model", default: str = "mlp") -> ModelSpec:
    """A select box of the registered models with the chosen one's description and size."""
    names = list_models()
    name = st.selectbox(
        "Model",
        names,
        index=names.index(default) if default in names else 0,
        key=key,
        help="The architecture to train. Keras models are neural networks; logreg and sgd are "
        "scikit-learn linear baselines.",
    )
    spec = get_model_spec(name)
    size = f"{spec.num_params:,} parameters" if spec.num_params else "size depends on the data"
    st.caption(f"{spec.description} · {size} · {spec.family}")
    return spec


def _choices(options: tuple[float, ...], default: float, low: float, high: float) -> list[float]:
    """Preset values within the allowed range, always including the registry default."""
    return sorted({value for value in options if low <= value <= high} | {default})


def _select_slider(options: tuple[float, ...]) -> Callable[..., Any]:
    def widget(label: str, low: float, high: float, default: float, **kwargs: Any) -> Any:
        return st.select_slider(
            label, _choices(options, default, low, high), value=default, format_func="{:g}".format, **kwargs
        )

    return widget


def _slider(step: float) -> Callable[..., Any]:
    def widget(label: str, low: float, high: float, default: float, **kwargs: Any) -> Any:
        return st.slider(label, float(low), float(high), float(default), step=step, **kwargs)

    return widget


def _number(label: str, low: float, high: float, default: float, **kwargs: Any) -> Any:
    return st.number_input(label, int(low), int(high), int(default), step=1, **kwargs)


WIDGETS: dict[str, Callable[..., Any]] = {
    "epochs": _number,
    "batch_size": _select_slider(BATCH_SIZES),
    "dropout": _slider(0.05),
    "learning_rate": _select_slider(LEARNING_RATES),
    "validation_split": _slider(0.05),
}


def hyperparameter_inputs(spec: ModelSpec, columns: int = 3) -> dict[str, Any]:
    """One widget per hyperparameter the model accepts, plus seed, patience and training images.

    Returns:
        Overrides for ``TrainingConfig.for_model`` (``train_samples`` is None for all images).
    """
    cells = itertools.cycle(st.columns(columns))  # fills the grid row by row
    values: dict[str, Any] = {}
    for name, default in spec.defaults.items():
        low, high, _, help_text = HYPERPARAMETERS[name]
        with next(cells):
            values[name] = WIDGETS[name](
                LABELS[name], low, high, default, help=help_text, key=f"train_{spec.name}_{name}"
            )
    common = (
        ("seed", "Seed", 0, 2**31 - 1, 0),
        ("patience", "Early-stopping patience", 0, 100, 0),
        ("train_samples", "Training images", 100, ALL_TRAINING_IMAGES, ALL_TRAINING_IMAGES),
    )
    for name, label, low, high, default in common:
        with next(cells):
            values[name] = st.number_input(
                label, low, high, default, step=1000 if name == "train_samples" else 1,
                help=COMMON_HELP[name], key=f"train_{spec.name}_{name}",
            )  # fmt: skip
    if values["train_samples"] == ALL_TRAINING_IMAGES:
        values["train_samples"] = None
    return values


def status_badge(status: str) -> str:
    """Markdown badge for a run status."""
    return STATUS_BADGES.get(status, f":gray-badge[{status}]")


def model_title(record: dict[str, Any]) -> str:
    """The model of a run as shown to people; imported runs show their file name."""
    if is_imported(record):
        return f"imported · {record.get('config', {}).get('file_name', 'model.keras')}"
    return str(record.get("model", "?"))


def config_summary(record: dict[str, Any]) -> str:
    """One line of the run's hyperparameters, e.g. ``epochs 3 · batch size 32 · dropout 0.4``."""
    config = record.get("config") or {}
    parts = [f"{LABELS[key].lower()} {config[key]:g}" for key in LABELS if config.get(key) is not None]
    if config.get("train_samples"):
        parts.append(f"{config['train_samples']:,} training images")
    if config.get("patience"):
        parts.append(f"patience {config['patience']}")
    if "seed" in config:
        parts.append(f"seed {config['seed']}")
    return " · ".join(parts)


def page_links(*pages: tuple[str, ...]) -> None:
    """Links to other pages side by side: (path, label, icon) or (path, label, icon, caption) each."""
    for column, (path, label, icon, *caption) in zip(st.columns(len(pages)), pages, strict=True):
        with column:
            st.page_link(path, label=label, icon=icon)
            if caption:
                st.caption(caption[0])
