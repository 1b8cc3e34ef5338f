"""The ``export`` command of ``python -m fmnist_core``: one format of a run's model to a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from fmnist_core.exporting.formats import FORMATS, TFLITE
from fmnist_core.runs import runs


def file_size(size: int) -> str:
    """``1.3 MB``, ``344 kB``, ``812 bytes``."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1000:.0f} kB" if size >= 1000 else f"{size} bytes"


def export(args: argparse.Namespace) -> int:
    """Writes the export, then says where and how big; a TFLite file is also scored on the test set."""
    from fmnist_core.exporting import convert, measure

    folder = runs.run_path(args.run_id, args.artifacts)
    path = convert.export_model(folder, args.format, Path(args.out))
    print(f"wrote {path} ({file_size(path.stat().st_size)}, {args.format})")
    if args.format in TFLITE:
        score = measure.score_tflite(path, folder)
        print(
            f"test accuracy {score.accuracy:.4f} (original {score.original_accuracy:.4f}, "
            f"{-score.points_lost:+.2f} points); same class as the original for {score.agreement:.2%} "
            f"of the test images; largest probability difference {score.max_difference:.2g}"
        )
    return 0


def add_export_command(commands: argparse._SubParsersAction) -> None:
    """Adds ``export RUN --format F --out PATH``."""
    parser = commands.add_parser("export", help="write a run's model as keras, skops, SavedModel or TFLite")
    parser.add_argument("run_id")
    # No argparse choices: an unknown format or tfjs gets our own message (what to do instead).
    parser.add_argument("--format", required=True, help=f"one of {', '.join(FORMATS)}")
    parser.add_argument("--out", required=True, help="the file to write, or a folder to put it in")
    parser.set_defaults(handler=export)
