"""`python -m bench.before_after --base REV`: the worker before and after a change, timed in turns.

A worktree of REV (this checkout's virtual environment linked in) and this tree each run
`python -m bench.worker --json` in turn, `--rounds` times, so a slow spell of a shared machine
hits both sides alike. The model's own work is the same code on both sides, so the worker's
pace is held against the model-work limit the change's side measured in the same round.
Figures go to var/bench/before_after.json and are printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench.report import table
from bench.service import ROOT


def worktree_of(revision: str) -> Path:
    """A detached worktree of `revision` beside the temporary files, made once, with this checkout's venv."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    tree = Path("/tmp") / f"beauty-evaluator-{commit}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT, check=True)
        (tree / ".venv").symlink_to(ROOT / ".venv")
    return tree


def worker_figures(tree: Path, photos: int) -> dict:
    command = [sys.executable, "-m", "bench.worker", "--json", "--photos", str(photos)]
    done = subprocess.run(command, cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def in_turns(base: Path, rounds: int, photos: int) -> dict:
    sides: dict[str, list[dict]] = {"before": [], "after": []}
    for turn in range(rounds):
        sides["before"].append(worker_figures(base, photos))
        sides["after"].append(worker_figures(ROOT, photos))
        print(f"round {turn + 1} of {rounds} done", file=sys.stderr, flush=True)
    return sides


def summary(sides: dict) -> str:
    limits = [figures["model_limit_photos_per_s"] for figures in sides["after"]]
    limit = statistics.median(limits)
    sizes = [run["batch_size"] for run in sides["after"][0]["runs"]]

    def median_of(side: str, size: int, key: str) -> float:
        return statistics.median(
            next(run[key] for run in figures["runs"] if run["batch_size"] == size) for figures in sides[side]
        )

    rows = []
    for size in sizes:
        before, after = median_of("before", size, "photos_per_s"), median_of("after", size, "photos_per_s")
        rows.append(
            [
                size,
                before,
                after,
                f"**{after / before:.2f}x**",
                round(before / limit, 3),
                f"**{after / limit:.3f}**",
                median_of("before", size, "cpu_ms_per_photo"),
                median_of("after", size, "cpu_ms_per_photo"),
            ]
        )
    header = ["batch", "photos/s before", "after", "after / before", "of the model's pace, before", "after"]
    header += ["CPU ms a photo, before", "after"]
    rounds = len(sides["after"])
    return "\n\n".join(
        [
            f"Medians of {rounds} rounds in turns; model-work limit {limit:.2f} photos/s "
            f"(median of the rounds: {', '.join(f'{value:.2f}' for value in limits)}).",
            table(header, rows),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.before_after", description=__doc__)
    parser.add_argument("--base", required=True, help="the revision before the change (e.g. main's last commit)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--photos", type=int, default=64)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "before_after.json")
    args = parser.parse_args(argv)
    sides = in_turns(worktree_of(args.base), args.rounds, args.photos)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(sides, indent=1))
    print(summary(sides))
    return 0


if __name__ == "__main__":
    sys.exit(main())
