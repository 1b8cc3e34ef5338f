"""The export formats by code: what each needs, its file name and mime type, and whether it is offered."""

from __future__ import annotations

from dataclasses import dataclass

# tensorflowjs 4.22 (the newest) requires tensorflow-decision-forests, whose newest release pins
# tensorflow==2.19, and packaging~=23.1: it cannot be installed beside our TensorFlow 2.21.
TFJS_CONFLICT = (
    "tensorflowjs 4.22 requires tensorflow-decision-forests (which pins tensorflow==2.19) and "
    "packaging~=23.1, but this app runs TensorFlow 2.21"
)


@dataclass(frozen=True)
class ExportFormat:
    """One way to download a run's model.

    Attributes:
        code: The CLI's ``--format`` value.
        family: The model family it needs: ``keras`` or ``sklearn``.
        file_name: The default file name of the export.
        mime: The download's mime type.
        converted: True when it is converted from ``model.keras`` (not the run's own file).
        available: False when this installation cannot produce it (TF.js).
    """

    code: str
    family: str
    file_name: str
    mime: str
    converted: bool = True
    available: bool = True

    @property
    def label_key(self) -> str:
        """The words key of its name (``export.format.<code>``)."""
        return f"export.format.{self.code}"


FORMATS: dict[str, ExportFormat] = {
    fmt.code: fmt
    for fmt in (
        ExportFormat("keras", "keras", "model.keras", "application/octet-stream", converted=False),
        ExportFormat("skops", "sklearn", "model.skops", "application/octet-stream", converted=False),
        ExportFormat("savedmodel", "keras", "model_savedmodel.zip", "application/zip"),
        ExportFormat("tflite", "keras", "model.tflite", "application/octet-stream"),
        ExportFormat("tflite-int8", "keras", "model_int8.tflite", "application/octet-stream"),
        ExportFormat("tfjs", "keras", "model_tfjs.zip", "application/zip", available=False),
    )
}
# What the ``export`` job builds into <run>/exports/, in the order the page lists them.
CONVERTED = ("savedmodel", "tflite", "tflite-int8")
TFLITE = ("tflite", "tflite-int8")
SAVED_MODEL_FOLDER = "model_savedmodel"  # the folder inside the SavedModel zip


def native_format(family: str) -> ExportFormat:
    """The run's own model file: ``model.keras`` for Keras, ``model.skops`` for scikit-learn."""
    return FORMATS["skops" if family == "sklearn" else "keras"]
