"""Slow tier: cnn_draw, trained with its registry defaults on the full data, meets issue 14's
targets on clean test images and on canvas drawings of them (bench/draw_bench.py measures the same,
with the training time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import draw_bench


@pytest.mark.slow
def test_cnn_draw_understands_drawings_and_keeps_its_clean_accuracy(tmp_path: Path) -> None:
    drawn, labels = draw_bench.render_sets(1000, ("silhouettes", "outlines"))
    scores = draw_bench.accuracies(draw_bench.train("cnn_draw", tmp_path / "artifacts"), drawn, labels)
    assert scores["clean test images"] >= draw_bench.CLEAN_TARGET, scores
    assert scores["drawings (silhouettes and outlines)"] >= draw_bench.DRAWING_TARGET, scores
