"""`python -m ml ...`: train, evaluate, score and benchmark from the command line."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

from ml.inference.allocator import keep_freed_memory
from ml.models.regressor import DEFAULT_MAP_COMPONENTS
from ml.models.weights import DEFAULT_WEIGHTS
from ml.training.config import default_cache_dir


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        required=True,
        help="folder of SCUT-FBP5500 (Images/, train_test_files/); evaluate also takes MEBeauty's (images/, val.txt)",
    )
    parser.add_argument("--split", default="60-40", help="the official 60/40 split (default)")
    parser.add_argument("--fold", type=int, help="use official cross-validation fold K (1-5) instead")
    parser.add_argument("--cache", type=Path, default=default_cache_dir(), help="where aligned crops are cached")


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="trained weights file")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")


def _add_config_arguments(parser: argparse.ArgumentParser, config_class: type) -> None:
    """One option per field of a frozen config dataclass, its default the field's."""
    for field in dataclasses.fields(config_class):
        option = "--" + field.name.replace("_", "-")
        default = field.default
        if isinstance(default, bool):
            parser.add_argument(option, action=argparse.BooleanOptionalAction, default=None)
        elif isinstance(default, tuple):
            parser.add_argument(option, nargs="*", default=None, metavar=field.name.upper())
        else:
            kind = type(default) if default is not None else str
            parser.add_argument(option, type=kind, default=None, help=f"default {default}")


def _config_from_arguments(args: argparse.Namespace, config_class: type, base: dict):
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(config_class)}
    given = {name: tuple(v) if isinstance(v, list) else v for name, v in given.items() if v is not None}
    return config_class(**{**base, **given})


def _train(args: argparse.Namespace) -> int:
    from ml.training.config import SEED_BASELINE, TrainConfig
    from ml.training.train import train

    config = _config_from_arguments(args, TrainConfig, SEED_BASELINE if args.arch == SEED_BASELINE["arch"] else {})
    print(json.dumps(train(_training_sets(args), args.out, config), indent=1))
    return 0


def _training_sets(args: argparse.Namespace) -> list:
    from ml.training.train import mebeauty_set, scut_set

    sets = [scut_set(args.data, args.cache, args.split, args.fold)]
    if args.mebeauty:
        sets.append(mebeauty_set(args.mebeauty, args.cache))
    return sets


def _fit_face_kernel(args: argparse.Namespace) -> int:
    from ml.training.fit_face_kernel import fit_face_kernels

    print(json.dumps(fit_face_kernels(_training_sets(args), args.out, args.threads, args.map_components), indent=1))
    return 0


def _ensemble(args: argparse.Namespace) -> int:
    from ml.training.fit_ensemble import combine

    print(json.dumps(combine(args.members, _training_sets(args), args.out, args.mirror_second), indent=1))
    return 0


def _fit_spread(args: argparse.Namespace) -> int:
    from ml.training.fit_spread import fit_spread

    print(json.dumps(fit_spread(args.data, args.weights, args.device), indent=1))
    return 0


def _agreement(args: argparse.Namespace) -> int:
    from ml.training.agreement import measure_agreement

    print(json.dumps(measure_agreement(args.data, args.weights, args.out), indent=1))
    return 0


def _score(args: argparse.Namespace) -> int:
    from ml.score_files import score_files

    return score_files(
        args.images,
        weights=args.weights,
        device=args.device,
        as_json=args.json,
        out_dir=args.out,
        batch_images=args.batch,
    )


def _evaluate(args: argparse.Namespace) -> int:
    from ml.training.evaluate import evaluate

    figures = evaluate(args.data, args.weights, args.split, args.fold, args.device, mebeauty_list=args.list)
    if args.record:
        from ml.models.weights import record_metrics

        record_metrics(args.weights, figures["list"], figures)
    print(json.dumps(figures, indent=1))
    return 0


def _percentiles(args: argparse.Namespace) -> int:
    from ml.inference.percentile import write_quantiles
    from ml.training import mebeauty
    from ml.training.dataset import read_list

    if mebeauty.is_mebeauty(args.data):
        samples = [s for which in ("train", "val") for s in mebeauty.load_list(args.data, which)]
        source = f"{len(samples):,} in-the-wild photos of MEBeauty's train and val lists (six ethnic groups, "
        source += "both genders), rated by its mixed panel, on its 1-10 scale divided by two"
    else:
        samples = read_list(args.data / "train_test_files/All_labels.txt")
        source = f"the {len(samples):,} studio photos of SCUT-FBP5500 (Asian and Caucasian), rated by its panel"
    write_quantiles([s.score for s in samples], source)
    print(source)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ml.bench import run_benchmarks

    figures = run_benchmarks(
        args.weights, repeats=args.repeats, threads=args.threads, device=args.device, baseline=args.baseline
    )
    print(json.dumps(figures, indent=1))
    return 0


def _prune_bench(args: argparse.Namespace) -> int:
    from ml.prune_bench import run_prune_bench

    figures = run_prune_bench(
        args.data,
        args.mebeauty,
        args.cache,
        args.weights,
        repeats=args.repeats,
        threads=args.threads,
        niceness=args.nice,
        fine_tune_steps=args.fine_tune_steps,
        write=None if args.no_write else args.out,
        limit=args.limit,
    )
    print(json.dumps(figures, indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="fine-tune the model on a training list")
    _add_data_arguments(train)
    train.add_argument("--mebeauty", type=Path, help="folder of MEBeauty (train.txt, val.txt, images/): train on both")
    train.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS, help="weights file to write")
    from ml.training.config import TrainConfig

    _add_config_arguments(train, TrainConfig)
    train.set_defaults(run=_train)

    face_kernel = commands.add_parser(
        "fit-face-kernel", help="fit kernel ridges over dlib's face features, one per dataset (no gradient steps)"
    )
    _add_data_arguments(face_kernel)
    face_kernel.add_argument("--mebeauty", type=Path, help="folder of MEBeauty: a head for it too")
    face_kernel.add_argument("--out", type=Path, required=True, help="weights file to write")
    face_kernel.add_argument("--threads", type=int, default=2)
    face_kernel.add_argument(
        "--map-components",
        type=int,
        default=DEFAULT_MAP_COMPONENTS,
        help=f"principal components of dlib's last map the kernels read (default {DEFAULT_MAP_COMPONENTS}, "
        "as shipped); 0 reads its 128-d embedding",
    )
    face_kernel.set_defaults(run=_fit_face_kernel)

    ensemble = commands.add_parser(
        "ensemble", help="combine two weights files, each head's mix chosen on validation data"
    )
    ensemble.add_argument("members", nargs=2, type=Path, help="weights files; the first is the one explained")
    _add_data_arguments(ensemble)
    ensemble.add_argument("--mebeauty", type=Path, help="folder of MEBeauty")
    ensemble.add_argument("--out", type=Path, required=True, help="weights file to write")
    ensemble.add_argument(
        "--mirror-second",
        action="store_true",
        help="average the second member with the mirror image too (default: the face alone, half its cost)",
    )
    ensemble.set_defaults(run=_ensemble)

    score = commands.add_parser("score", help="score the faces in photos")
    score.add_argument("images", nargs="+", help="photo files (JPEG, PNG, WebP, ...)")
    score.add_argument("--json", action="store_true", help="one JSON object per line per image")
    score.add_argument("--out", type=Path, help="folder for annotated copies (boxes and scores drawn)")
    score.add_argument("--batch", type=int, default=16, help="images decoded and scored together")
    _add_model_arguments(score)
    score.set_defaults(run=_score)

    evaluate = commands.add_parser(
        "evaluate", help="PC, MAE and RMSE overall and per group on SCUT-FBP5500 or MEBeauty, as JSON"
    )
    evaluate.add_argument("--list", default="val", help="MEBeauty list to evaluate on (default val)")
    evaluate.add_argument("--record", action="store_true", help="store the figures in the weights file")
    _add_data_arguments(evaluate)
    _add_model_arguments(evaluate)
    evaluate.set_defaults(run=_evaluate)

    spread = commands.add_parser(
        "fit-spread", help="fit how a panel's ratings spread around a score (from ratings.csv), into the weights file"
    )
    spread.add_argument("--data", type=Path, required=True, help="MEBeauty's folder, with ratings.csv")
    _add_model_arguments(spread)
    spread.set_defaults(run=_fit_spread)

    from ml.inference.agreement import AGREEMENT  # plain JSON: no torch to build the parser

    agreement = commands.add_parser(
        "agreement", help="how far MEBeauty's raters agree (ratings.csv, train and val), the model beside them"
    )
    agreement.add_argument("--data", type=Path, required=True, help="MEBeauty's folder, with ratings.csv")
    agreement.add_argument(
        "--weights", type=Path, default=DEFAULT_WEIGHTS, help="weights whose val figures to set beside"
    )
    agreement.add_argument("--out", type=Path, default=AGREEMENT, help="where the figures go (beside the weights)")
    agreement.set_defaults(run=_agreement)

    percentiles = commands.add_parser(
        "percentiles", help="rebuild the percentile table from a dataset's ratings (MEBeauty or SCUT-FBP5500)"
    )
    percentiles.add_argument("--data", type=Path, required=True, help="dataset folder")
    percentiles.set_defaults(run=_percentiles)

    bench = commands.add_parser("bench", help="time the model and the whole pipeline on this machine")
    bench.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    bench.add_argument("--repeats", type=int, default=30)
    bench.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    bench.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    bench.add_argument("--baseline", type=Path, help="other weights to time in the same run (e.g. the last release)")
    bench.set_defaults(run=_bench)

    yunet = commands.add_parser(
        "convert-yunet", help="make the face detector's PyTorch weights and any-size ONNX file from its ONNX file"
    )
    yunet.set_defaults(run=_convert_yunet)

    from ml.inference.dark_filters import DARK_FILTERS  # plain JSON: no torch to build the parser

    prune = commands.add_parser(
        "prune-bench",
        help="find the explained network's dark filters, prune them, fine-tune briefly, measure accuracy and speed",
    )
    prune.add_argument("--data", type=Path, required=True, help="folder of SCUT-FBP5500")
    prune.add_argument("--mebeauty", type=Path, required=True, help="folder of MEBeauty")
    prune.add_argument("--cache", type=Path, default=default_cache_dir(), help="where aligned crops are cached")
    prune.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    prune.add_argument("--repeats", type=int, default=40, help="timed turns of each network")
    prune.add_argument("--threads", type=int, default=2)
    prune.add_argument("--nice", type=int, default=10, help="niceness of all but the timing (default 10)")
    prune.add_argument("--fine-tune-steps", type=int, default=300, help="steps of the head's fine-tune (default 300)")
    prune.add_argument("--out", type=Path, default=DARK_FILTERS, help="where the dark lists and the decision go")
    prune.add_argument("--no-write", action="store_true", help="print the figures only")
    prune.add_argument("--limit", type=int, help="first N faces of each list only: a quick check, not figures")
    prune.set_defaults(run=_prune_bench)
    return parser


def _convert_yunet(args: argparse.Namespace) -> int:
    from ml.training.yunet_weights import convert_all

    for path in convert_all():
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args = build_parser().parse_args(argv)
    keep_freed_memory()  # every command here runs the network batch after batch
    return args.run(args)
