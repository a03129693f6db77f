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
    parser.add_argument("--data", type=Path, required=True, help="folder of SCUT-FBP5500 (with Images/ and train_test_files/)")
    parser.add_argument("--split", default="60-40", help="the official 60/40 split (default)")
    parser.add_argument("--fold", type=int, help="use official cross-validation fold K (1-5) instead")
    parser.add_argument("--cache", type=Path, default=default_cache_dir(), help="where aligned crops are cached")


def _train(args: argparse.Namespace) -> int:
    from ml.train import TrainConfig, train

    config = TrainConfig(epochs=args.epochs, input_size=args.input_size, seed=args.seed, threads=args.threads)
    metrics = train(args.data, args.out, args.cache, args.split, args.fold, config)
    print(json.dumps(metrics, indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="fine-tune the model on a training list")
    _add_data_arguments(train)
    train.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS, help="weights file to write")
    train.add_argument("--epochs", type=int, default=12)
    train.add_argument("--input-size", type=int, default=192)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--threads", type=int, default=2)
    train.set_defaults(run=_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args = build_parser().parse_args(argv)
    return args.run(args)
