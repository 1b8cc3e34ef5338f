"""The inspection commands of ``python -m fmnist_core``: ``suspicious``, ``layers``, ``map`` and the
internal ``job`` that runs a background job of a run folder (features, UMAP, top-9 per channel)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fmnist_core.runs import runs
from fmnist_core.words import english


def suspicious(args: argparse.Namespace) -> int:
    """The test images whose given label the finished runs (an ensemble) disbelieve most."""
    import json

    from fmnist_core.evaluation import label_review

    if args.top < 1:
        raise ValueError(f"--top must be at least 1, got {args.top}.")
    finished = [record.id for record in runs.list_runs(args.artifacts) if record.has_predictions]
    if not finished:
        raise ValueError(f"no finished runs in {runs.runs_dir(args.artifacts)}: train a model first")
    ensemble = label_review.load_ensemble(finished, args.artifacts)
    for run_id, why in ensemble.skipped:
        print(f"skipped {run_id}: {why}", file=sys.stderr)
    rows = label_review.suspicious_rows(ensemble, label_review.rank_suspicious(ensemble)[: args.top])
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"most suspicious labels by the mean of {ensemble.num_runs} run(s) (suspicious, not proven wrong):")
    print(f"{'index':>6}  {'given label':<12} {'consensus':<12} {'p(label)':>8}  runs agreeing")
    for row in rows:
        print(
            f"{row['index']:>6}  {row['label_name']:<12} {row['consensus_name']:<12} "
            f"{row['label_probability']:>8.4f}  {row['runs_agreeing']} of {ensemble.num_runs}"
        )
    return 0


def layer_outputs(args: argparse.Namespace) -> int:
    """Every layer's output shape and mean activation for one test image, as the model receives it."""
    import json

    from fmnist_core.data import load_fashion_mnist, to_model_input
    from fmnist_core.inspection import layers
    from fmnist_core.models.inference import load_run_model

    run_model = load_run_model(runs.run_path(args.run_id, args.artifacts))
    layers.require_keras(run_model)  # before reading the dataset: a scikit-learn run has no layers
    dataset = load_fashion_mnist()
    if not 0 <= args.test_index < len(dataset.y_test):
        raise ValueError(
            f"--test-index must be between 0 and {len(dataset.y_test) - 1}, got {args.test_index}."
        )
    rows = layers.layer_means(run_model, to_model_input(dataset.x_test[args.test_index]))
    if args.json:
        print(json.dumps(rows))
        return 0
    for row in rows:
        shape = " x ".join(str(size) for size in row["output_shape"])
        print(f"{row['name']:<24} {shape:<14} mean activation {row['mean_activation']:.4f}")
    return 0


def run_job(args: argparse.Namespace) -> int:
    """Entry of a background job process started by ``jobs.start_job`` (internal)."""
    from fmnist_core.exporting import bundle
    from fmnist_core.inspection import features, layer_ranking, projection
    from fmnist_core.runs import jobs

    folder = Path(args.run_folder)
    bodies = {
        "features": features.compute_run_features,
        "umap": projection.compute_umap,
        "top9": layer_ranking.run_top9,
        "export": bundle.build_exports,
    }
    return jobs.run_job(folder, args.name, lambda report: bodies[args.name](folder, report))


def progress_printer():
    """A progress callback that prints a line when the stage changes or every tenth of the way."""
    shown: list = [None]

    def report(fraction: float, key: str, **values: object) -> None:
        stage = (key, int(fraction * 10))
        if stage != shown[0]:
            shown[0] = stage
            print(f"{fraction:4.0%}  {english(key, **values)}", file=sys.stderr, flush=True)

    return report


def embedding_map(args: argparse.Namespace) -> int:
    """Computes a run's features if missing, then its 2-D map (PCA, or the stored or new UMAP)."""
    import json

    from fmnist_core.evaluation import evaluation
    from fmnist_core.inspection import features, projection

    folder = runs.run_path(args.run_id, args.artifacts)
    report = progress_printer()
    if not features.has_features(folder):
        features.compute_run_features(folder, report)
    features_all = features.load_features(folder)
    if args.umap:
        result = projection.load_umap(folder) or projection.compute_umap(folder, report)
    else:
        result = projection.pca_projection(features_all)
    labels = evaluation.load_predictions(folder).labels
    summary = {
        "run": args.run_id,
        "method": result.method,
        "points": len(result.coordinates),
        "dimensions": int(features_all.shape[1]),
        "explained_variance": list(result.explained_variance) if result.explained_variance else None,
        "neighbour_agreement": projection.neighbour_agreement(result.coordinates, labels),
        "file": str(folder / (projection.UMAP_FILE if args.umap else features.FEATURES_FILE)),
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{result.method.upper()} map of {args.run_id}: {summary['points']:,} test images, "
          f"{summary['dimensions']} features each")  # fmt: skip
    if result.explained_variance:
        first, second = result.explained_variance
        print(f"the two axes explain {first:.1%} + {second:.1%} = {first + second:.1%} of the variance")
    print(
        f"{summary['neighbour_agreement']:.1%} of the images have a nearest neighbour of their own class on the map"
    )
    print(summary["file"])
    return 0


def add_inspect_commands(commands: argparse._SubParsersAction) -> None:
    """Adds ``layers``, ``suspicious``, ``map`` and the hidden ``job`` to the command parsers."""
    layer_parser = commands.add_parser("layers", help="each layer's output shape and mean activation")
    layer_parser.add_argument("run_id")
    layer_parser.add_argument("--test-index", type=int, default=0, help="the test image (default 0)")
    layer_parser.add_argument("--json", action="store_true", help="a JSON list, one object per layer")
    layer_parser.set_defaults(handler=layer_outputs)
    ranking = commands.add_parser(
        "suspicious", help="test images whose label the finished runs disbelieve most"
    )
    ranking.add_argument("--top", type=int, default=20, help="how many images to list (default 20)")
    ranking.add_argument("--json", action="store_true", help="a JSON list, most suspicious first")
    ranking.set_defaults(handler=suspicious)
    mapper = commands.add_parser(
        "map", help="a run's 2-D feature map (PCA, or UMAP); computes features if missing"
    )
    mapper.add_argument("run_id")
    mapper.add_argument("--umap", action="store_true", help="UMAP (stored in the run folder) instead of PCA")
    mapper.add_argument("--json", action="store_true", help="one JSON object")
    mapper.set_defaults(handler=embedding_map)
    job = commands.add_parser("job", help=argparse.SUPPRESS)
    job.add_argument("name", choices=("features", "umap", "top9", "export"))  # = jobs.JOB_NAMES
    job.add_argument("run_folder")
    job.set_defaults(handler=run_job)
