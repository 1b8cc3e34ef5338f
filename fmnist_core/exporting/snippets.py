"""Per format a short Python snippet that loads the exported file and classifies one 28x28 image,
preprocessed exactly as the app does (grayscale uint8 / 255, in the model's input layout).

The tests run these snippets as they are shown; only the comments are in the user's language.
"""

from __future__ import annotations

from string import Template

from fmnist_core import words
from fmnist_core.data import CLASS_NAMES
from fmnist_core.exporting.formats import FORMATS

IMAGE_FILE = "garment.png"
# The model input's layout by input rank (1: scikit-learn's 784 pixels in a row).
LAYOUTS = {1: "(1, 784)", 2: "(1, 28, 28)", 3: "(1, 28, 28, 1)"}

HEADER = Template("""import numpy as np
from PIL import Image

CLASS_NAMES = $class_names
MODEL = "$model_file"
IMAGE = "$image_file"

# $comment_image
image = Image.open(IMAGE).convert("L").resize((28, 28))
x = np.asarray(image, dtype=np.float32) / 255.0  # $comment_scale
x = x.reshape$layout  # $comment_layout
""")

LOADERS = {
    "keras": Template("""import keras

model = keras.saving.load_model(MODEL, compile=False)
probabilities = np.asarray(model(x, training=False))[0]
"""),
    "skops": Template("""import skops.io

# $comment_trusted
TRUSTED = $trusted
model = skops.io.load(MODEL, trusted=TRUSTED)
probabilities = np.zeros(len(CLASS_NAMES), dtype=np.float32)
probabilities[model.classes_.astype(int)] = model.predict_proba(x)[0]
"""),
    "savedmodel": Template("""import zipfile

import tensorflow as tf

zipfile.ZipFile(MODEL).extractall("exported")  # $comment_unzip
model = tf.saved_model.load("exported/model_savedmodel")
probabilities = model.serve(tf.constant(x)).numpy()[0]
"""),
    "tflite": Template("""import tensorflow as tf

interpreter = tf.lite.Interpreter(model_path=MODEL)  # $comment_litert
interpreter.allocate_tensors()
interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
interpreter.invoke()
probabilities = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]
"""),
}
LOADERS["tflite-int8"] = LOADERS["tflite"]

FOOTER = """
best = int(np.argmax(probabilities))
print(f"{CLASS_NAMES[best]} ({probabilities[best]:.1%})")
"""


def build_snippet(
    code: str, input_rank: int, t: words.Text = words.english, model_file: str | None = None
) -> str:
    """The snippet of format ``code`` for a model whose input has rank ``input_rank``.

    Args:
        code: A format code with a loader (``keras``, ``skops``, ``savedmodel``, ``tflite``, ``tflite-int8``).
        input_rank: ``RunModel.input_rank``: 1 (scikit-learn), 2 or 3 (Keras).
        t: Says the comments in the user's language.
        model_file: The file the snippet opens (default: the format's file name).
    """
    from fmnist_core.models.sklearn_files import TRUSTED_TYPES  # imports skops (~2 s): only when asked

    comments = {
        f"comment_{name}": t(f"export.snippet.{name}")
        for name in ("image", "scale", "layout", "trusted", "unzip", "litert")
    }
    values = {
        "class_names": repr(list(CLASS_NAMES)),
        "model_file": model_file or FORMATS[code].file_name,
        "image_file": IMAGE_FILE,
        "layout": LAYOUTS[input_rank],
        "trusted": "[\n" + "".join(f"    {name!r},\n" for name in TRUSTED_TYPES) + "]",
        **comments,
    }
    return HEADER.substitute(values) + "\n" + LOADERS[code].substitute(values) + FOOTER


def keras_input_rank(path) -> int | None:
    """The input rank (2 or 3) a ``.keras`` file's model takes, read from its config without
    TensorFlow (None when the config does not say); the file is checked as any model file is.

    Raises:
        ModelFileError: The file is damaged or not a plain Keras model.
    """
    from fmnist_core.models.model_files import check_keras_archive

    config = check_keras_archive(path)
    inner = config.get("config") or {}
    shape = (config.get("build_config") or {}).get("input_shape") or inner.get("build_input_shape")
    if shape is None:
        first = (inner.get("layers") or [{}])[0]
        shape = (first.get("config") or {}).get("batch_shape")
    return len(shape) - 1 if isinstance(shape, list) and len(shape) in (3, 4) else None
