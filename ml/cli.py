"""`python -m ml ...`: train, evaluate, score and benchmark from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from ml.dataset import default_cache_dir
from ml.weights import DEFAULT_WEIGHTS


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, required=True, help="folder of SCUT-FBP5500 (with Images/ and train_test_files/)"
    )
    parser.add_argument("--split", default="60-40", help="the official 60/40 split (default)")
    parser.add_argument("--fold", type=int, help="use official cross-validation fold K (1-5) instead")
    parser.add_argument("--cache", type=Path, default=default_cache_dir(), help="where aligned crops are cached")


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="trained weights file")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")


def _train(args: argparse.Namespace) -> int:
    from ml.train import SEED_BASELINE, TrainConfig, train

    baseline = SEED_BASELINE if args.arch == "seed" else {"input_size": args.input_size}
    config = TrainConfig(epochs=args.epochs, seed=args.seed, threads=args.threads, device=args.device, **baseline)
    metrics = train(args.data, args.out, args.cache, args.split, args.fold, config)
    print(json.dumps(metrics, indent=1))
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
    from ml.evaluate import evaluate

    print(json.dumps(evaluate(args.data, args.weights, args.split, args.fold, args.device), indent=1))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ml.bench import run_benchmarks

    figures = run_benchmarks(args.weights, repeats=args.repeats, threads=args.threads, device=args.device)
    print(json.dumps(figures, indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="fine-tune the model on a training list")
    _add_data_arguments(train)
    train.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS, help="weights file to write")
    train.add_argument("--epochs", type=int, default=12)
    train.add_argument("--input-size", type=int, default=192)
    train.add_argument(
        "--arch",
        choices=("lite0", "seed"),
        default="lite0",
        help="lite0: the product model; seed: the seed article's network, as a baseline",
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--threads", type=int, default=2)
    train.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    train.set_defaults(run=_train)

    score = commands.add_parser("score", help="score the faces in photos")
    score.add_argument("images", nargs="+", help="photo files (JPEG, PNG, WebP, ...)")
    score.add_argument("--json", action="store_true", help="one JSON object per line per image")
    score.add_argument("--out", type=Path, help="folder for annotated copies (boxes and scores drawn)")
    score.add_argument("--batch", type=int, default=16, help="images decoded and scored together")
    _add_model_arguments(score)
    score.set_defaults(run=_score)

    evaluate = commands.add_parser("evaluate", help="PC, MAE and RMSE on a test list, as JSON")
    _add_data_arguments(evaluate)
    _add_model_arguments(evaluate)
    evaluate.set_defaults(run=_evaluate)

    bench = commands.add_parser("bench", help="time the model and the whole pipeline on this machine")
    bench.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    bench.add_argument("--repeats", type=int, default=30)
    bench.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    bench.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    bench.set_defaults(run=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args = build_parser().parse_args(argv)
    return args.run(args)
