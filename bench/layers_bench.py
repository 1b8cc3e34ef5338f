"""The Layers page's two costs, on a real ``cnn`` run (the architecture sets the cost, not the weights):

- redraw: picking another image redraws every feature map. Timed in-process: the function the page
  calls (`layer_plots.feature_map_panels`: one sub-model call, one tiled picture per layer) plus the
  PNG encoding Streamlit does for each picture. Target <= 0.5 s.
- top 9: every channel's 9 most exciting test images over the 10,000 test images, as the ``top9``
  job computes them (`layer_ranking.compute_and_save`), in-process; and the job end to end as its own
  process (``python -m fmnist_core job top9 RUN_FOLDER``, TensorFlow start included). Target <= 30 s.

Usage: ``python -m bench.layers_bench [--run RUN_FOLDER]``: without a run, trains a 1-epoch cnn on
600 images into a temporary artifacts root first. Prints a table; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/layers_bench.py`

from PIL import Image  # noqa: E402

from bench.report import Figure, at_most, markdown_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REDRAW_TARGET_S, TOP9_TARGET_S = 0.5, 30.0


def train_cnn(artifacts: Path) -> Path:
    """A finished cnn run (1 epoch on 600 images); returns its folder."""
    command = [sys.executable, "-m", "fmnist_core", "train", "--model", "cnn", "--epochs", "1"]
    command += ["--train-samples", "600", "--artifacts", str(artifacts)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return Path(result.stdout.strip().splitlines()[-1])


def time_redraw(folder: Path, images: int = 20) -> tuple[float, float]:
    """Median and worst seconds to redraw every feature map for another test image (warm model)."""
    from fmnist_core.data import load_fashion_mnist, to_model_input
    from fmnist_core.inspection import layers
    from fmnist_core.models.inference import load_run_model
    from fmnist_core.plots import layer_plots

    probe = layers.map_probe(load_run_model(folder))
    test = to_model_input(load_fashion_mnist().x_test[:images])
    layer_plots.feature_map_panels(probe, test[0])  # the page's first drawing builds the graph
    times = []
    for image in test:
        start = time.perf_counter()
        for panel in layer_plots.feature_map_panels(probe, image):
            Image.fromarray(panel.picture).save(io.BytesIO(), format="PNG")  # what st.image sends
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def time_top9(folder: Path) -> tuple[float, float]:
    """Seconds of the ranking in-process, and of the ``top9`` job as its own process."""
    from fmnist_core.inspection import layer_ranking

    start = time.perf_counter()
    layer_ranking.compute_and_save(folder)
    in_process = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "fmnist_core", "job", layer_ranking.JOB_NAME, str(folder)],
        cwd=ROOT, capture_output=True, check=True,
    )  # fmt: skip
    return in_process, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", type=Path, help="a finished cnn run folder (default: train one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.run or train_cnn(Path(scratch) / "artifacts")
        redraw, worst = time_redraw(folder)
        ranking, job = time_top9(folder)
    figures: list[Figure] = [
        at_most("Layers: redraw every cnn feature map (median of 20 images)", redraw, REDRAW_TARGET_S, "s"),
        at_most("Layers: redraw, slowest of 20 images", worst, REDRAW_TARGET_S, "s"),
        at_most("Layers: top 9 of every cnn channel over 10,000 test images", ranking, TOP9_TARGET_S, "s"),
        at_most(
            "Layers: the top9 job as its own process (TensorFlow start included)", job, TOP9_TARGET_S, "s"
        ),
    ]
    print(markdown_table(figures))
    return 0 if all(figure.met for figure in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
