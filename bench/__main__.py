"""`python -m bench` (make bench): model, worker, burst, web and pipeline figures for this machine, printed and saved.

Loopback only: PostgreSQL and Redis from scripts/ensure-services.sh, gunicorn and Celery started here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.host import machine
from bench.report import markdown
from bench.service import ROOT, Service
from bench.worker import cuda_refusal

PARTS = ("model", "worker", "burst", "web", "pipeline")


def figures_of(*command: str) -> dict:
    """A part run in its own process (torch's threads and memory, its own Django settings), read as JSON."""
    out = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--photos", type=int, default=60, help="photos per pipeline run")
    parser.add_argument("--batch-size", type=int, default=8, help="photos per forward pass in the batching runs")
    parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="device of the model and worker parts")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "results.json")
    args = parser.parse_args(argv)
    parts = args.only or PARTS
    if args.device == "cuda" and (refusal := cuda_refusal()):
        parser.error(refusal)
    results: dict = {"machine": machine()}
    print(json.dumps(results["machine"]))

    if "model" in parts:
        results["model"] = figures_of("ml", "bench", "--device", args.device)
        print("model part done", flush=True)
    if "worker" in parts:
        results["worker"] = figures_of("bench.worker", "--device", args.device, "--json")
        # The worker part times the model work itself (the limit its pace is measured against);
        # tools read it under the model's key whether or not the model part ran.
        model = results.setdefault("model", {})
        model.setdefault(
            "score_and_explain_ms_per_face_batch16", results["worker"]["score_and_explain_ms_per_face_batch16"]
        )
        print("worker part done", flush=True)
    if "burst" in parts:
        results["burst"] = figures_of("bench.burst", "--json")
        print("burst part done", flush=True)

    if {"web", "pipeline"} & set(parts):
        from bench.pipeline import bench_pipeline
        from bench.web import bench_web

        service = Service()
        try:
            service.configure_this_process()
            service.prepare()
            service.start_web(args.web_workers)
            results["gunicorn_workers"] = args.web_workers
            if "web" in parts:
                results["web"] = bench_web(service)
                print("web part done", flush=True)
            if "pipeline" in parts:
                results["pipeline"] = bench_pipeline(service, args.photos, args.batch_size)
        finally:
            service.close()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(markdown(results))
    print(f"\nsaved to {args.out}; `python -m bench.report --into BENCHMARKS.md` puts these figures there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
