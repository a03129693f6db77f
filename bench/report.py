"""`python -m bench.report [--into BENCHMARKS.md]`: the figures of one `make bench` run as Markdown.

With --into, the text between the file's `<!-- figures -->` and `<!-- /figures -->` lines is
replaced, so the document's figures always come from one run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.burst import burst_line
from bench.service import ROOT

START, END = "<!-- figures -->", "<!-- /figures -->"
# Issue 5's targets on the 2-core machine.
UPLOAD_P95_MS_AT_8 = 150
HISTORY_P95_MS = 100
PHOTOS_PER_S_WITH_2 = 8
GPU_FACES_PER_S_AT_64 = 1000
SEED_HISTORY = ROOT / "ml" / "baselines" / "seed-cnn.history.json"


def network_accuracy() -> dict[str, tuple[str, str]]:
    """SCUT 60/40 test PC and MAE of each network: the shipped model's as its weights file records
    them (`python -m ml evaluate --record`), the seed baseline's from its last training epoch."""
    from ml.models.weights import DEFAULT_WEIGHTS, load_weights

    shipped = load_weights(DEFAULT_WEIGHTS)[1]["metrics"]["scut-60-40"]["overall"]
    seed = json.loads(SEED_HISTORY.read_text())[-1]["test"]
    return {key: (f"{m['pc']:.4f}", f"{m['mae']:.4f}") for key, m in (("BeautyNet", shipped), ("seed", seed))}


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def load_table(rows: list[dict]) -> str:
    header = ["clients", "requests", "errors", "per s", "p50 ms", "p95 ms", "p99 ms"]
    keys = ["clients", "requests", "errors", "per_s", "p50_ms", "p95_ms", "p99_ms"]
    return table(header, [[row[key] for key in keys] for row in rows])


def at_clients(rows: list[dict], clients: int) -> dict:
    return next(row for row in rows if row["clients"] == clients)


def yes_no(ok: bool) -> str:
    return "yes" if ok else "**no**"


def web_section(web: dict) -> str:
    return "\n\n".join(
        [
            "### Web\nUpload, `POST /api/photos/` (token auth, a 512x512 JPEG):",
            load_table(web["upload"]),
            f"History, `GET /history/` for a user with {web['history_photos']} scored photos (session auth):",
            load_table(web["history"]),
        ]
    )


def pipeline_section(runs: list[dict]) -> str:
    by = {(run["worker_processes"], run["batch_size"]): run for run in runs}
    batch = max(size for _, size in by)
    header = ["worker processes", "batch", "photos", "failed", "tasks that scored", "photos/s", "p50 ms", "p95 ms"]
    header.append("alone p50 ms")
    keys = ["worker_processes", "batch_size", "photos", "failed", "tasks_that_scored", "photos_per_s", "p50_ms"]
    keys += ["p95_ms", "alone_p50_ms"]
    rows = [[run[key] for key in keys] for run in runs]
    scale = by[(2, 1)]["photos_per_s"] / by[(1, 1)]["photos_per_s"]
    gains = [by[(n, batch)]["photos_per_s"] / by[(n, 1)]["photos_per_s"] for n in (1, 2)]
    return "\n\n".join(
        [
            "### Pipeline (API upload -> Redis -> worker -> `done`)",
            table(header, rows),
            f"Two worker processes score **{scale:.2f}x** the photos of one. Batching ({batch} photos a "
            f"pass against one) through the whole service: **{gains[0]:.2f}x** with one worker process, "
            f"**{gains[1]:.2f}x** with two.",
        ]
    )


def worker_section(worker: dict) -> str:
    runs = worker["runs"]
    one = runs[0]["photos_per_s"]
    keys = ["batch_size", "photos", "jobs", "done", "photos_per_s", "share_of_model_pace", "cpu_ms_per_photo"]
    rows = [[run.get(key, "") for key in keys] for run in runs]
    gains = ", ".join(f"**{run['photos_per_s'] / one:.2f}x** at {run['batch_size']}" for run in runs[1:])
    parts = [
        f"### Worker in one process (`python -m bench.worker`, {worker['device']}: {worker['device_name']}, "
        f"{worker['torch_threads']} torch threads, detector {worker.get('detector', 'OpenCV')})",
        "The scoring job as a worker process runs it (claim, read, detect, score and explain, encode and "
        "store every image, write the rows), on SQLite and local media, no broker:",
        table(
            ["SCORING_BATCH_SIZE", "photos", "jobs", "done", "photos/s", "of the model's pace", "CPU ms a photo"],
            rows,
        ),
        f"Against one photo a job: {gains}.",
    ]
    if "model_limit_photos_per_s" in worker:
        parts.append(
            f"Model-work limit, timed in the same run: {worker['score_and_explain_ms_per_face_batch16']} ms a face "
            f"of score-and-explain at batch 16, so **{worker['model_limit_photos_per_s']} photos/s**; the worker "
            "runs at "
            + ", ".join(f"**{run['share_of_model_pace']}** of it at {run['batch_size']}" for run in runs)
            + "."
        )
        parts.append(stage_table(runs))
    return "\n\n".join(parts)


def stage_table(runs: list[dict]) -> str:
    """CPU and wall ms a photo per stage of the scoring job, from its own stage timer."""
    stages = list(runs[0]["stage_cpu_ms_per_photo"])
    header = [
        "stage",
        *[f"CPU ms at {run['batch_size']}" for run in runs],
        *[f"wall ms at {run['batch_size']}" for run in runs],
    ]
    rows = [
        [
            stage,
            *[run["stage_cpu_ms_per_photo"][stage] for run in runs],
            *[run["stage_wall_ms_per_photo"][stage] for run in runs],
        ]
        for stage in stages
    ]
    rows.append(
        [
            "all stages",
            *[round(sum(run["stage_cpu_ms_per_photo"].values()), 2) for run in runs],
            *[round(sum(run["stage_wall_ms_per_photo"].values()), 2) for run in runs],
        ]
    )
    shares = ", ".join(f"{run['stages_share_of_wall']:.0%} at {run['batch_size']}" for run in runs)
    return (
        "Where a photo's time goes, from the scoring job's stage timer (the one `beauty_stage_seconds` reads; "
        f"the stages account for {shares} of the run's wall time):\n\n" + table(header, rows)
    )


def model_section(model: dict) -> str:
    rates, seed = model["model_faces_per_s"], model["seed_faces_per_s"]
    batches = list(rates)
    one, many = model["pipeline_ms_per_photo_1_per_pass"], model["pipeline_ms_per_photo_8_per_pass"]
    accuracy = network_accuracy()
    seed_rows = [
        ["BeautyNet ensemble (Lite0 192 px + dlib ResNet 150 px)", *accuracy["BeautyNet"], rates["1"], rates["16"]],
        ["seed network (6 conv, 160 px grey, from scratch)", *accuracy["seed"], seed["1"], seed["16"]],
    ]
    return "\n\n".join(
        [
            f"### Model (`python -m ml bench`, device {model['device']}, {model['torch_threads']} torch threads)",
            table(["batch", *batches], [["BeautyNet ensemble, faces/s", *[rates[b] for b in batches]]]),
            "What the worker runs per face (both networks, Lite0 with the mirror image, 9 stage thumbnails and "
            "Grad-CAM from one "
            f"pass): {model['score_and_explain_ms_per_face_batch1']} ms at batch 1, "
            f"{model['score_and_explain_ms_per_face_batch16']} ms at batch 16, of which the look inside adds "
            f"{model['look_inside_adds_ms_per_face_batch1']} ms and {model['look_inside_adds_ms_per_face_batch16']} ms "
            "to the network's own time with its mirror image. Whole pipeline in one process "
            f"(decode, detect, align, all of that): {one} ms per photo one photo a pass, {many} ms with 8 "
            f"photos a pass: **{one / many:.2f}x**.",
            "Side by side with the seed network (SCUT-FBP5500 60/40 test accuracy, as the weights file records it):",
            table(["network", "test PC", "MAE", "faces/s batch 1", "faces/s batch 16"], seed_rows),
            f"BeautyNet is **{model['model_over_seed_speed_batch1']}x** as fast as the seed network at batch 1.",
        ]
    )


def targets_section(results: dict) -> str:
    rows = []
    if "web" in results:
        upload = at_clients(results["web"]["upload"], 8)["p95_ms"]
        history = [at_clients(results["web"]["history"], n)["p95_ms"] for n in (1, 8)]
        rows.append(
            [
                f"upload POST p95 <= {UPLOAD_P95_MS_AT_8} ms at 8 clients",
                f"{upload} ms",
                yes_no(upload <= UPLOAD_P95_MS_AT_8),
            ]
        )
        rows.append(
            [
                f"history page p95 <= {HISTORY_P95_MS} ms, user with 1000 photos",
                f"{history[0]} ms at 1 client, {history[1]} ms at 8",
                f"{yes_no(history[0] <= HISTORY_P95_MS)} at 1 client, {yes_no(history[1] <= HISTORY_P95_MS)} at 8",
            ]
        )
    if "pipeline" in results:
        two = [run["photos_per_s"] for run in results["pipeline"] if run["worker_processes"] == 2]
        rows.append(
            [
                f">= {PHOTOS_PER_S_WITH_2} photos/s through the pipeline with 2 worker processes",
                " / ".join(map(str, two)) + " (batch 1 / batched)",
                yes_no(min(two) >= PHOTOS_PER_S_WITH_2),
            ]
        )
    model = results.get("model", {})
    if model.get("device", "cpu") != "cpu":
        rate = model["model_faces_per_s"]["64"]
        rows.append([f"GPU: >= {GPU_FACES_PER_S_AT_64} faces/s at batch 64", f"{rate} on {model['device']}"])
        rows[-1].append(yes_no(rate >= GPU_FACES_PER_S_AT_64))
    else:
        rows.append([f"GPU: >= {GPU_FACES_PER_S_AT_64} faces/s at batch 64", "not measured in this run (CPU)", "open"])
    return "### Targets\n\n" + table(["target", "measured", "met"], rows)


def markdown(results: dict) -> str:
    machine = results["machine"]
    parts = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}"
        + (f"; gunicorn with {results['gunicorn_workers']} sync workers." if "gunicorn_workers" in results else ".")
    ]
    if "web" in results:
        parts.append(web_section(results["web"]))
    if "pipeline" in results:
        parts.append(pipeline_section(results["pipeline"]))
    if "worker" in results:
        parts.append(worker_section(results["worker"]))
    if "burst" in results:
        parts.append("### Burst\n\n" + burst_line(results["burst"]))
    if "model_faces_per_s" in results.get("model", {}):  # not just the worker part's model figure
        parts.append(model_section(results["model"]))
    parts.append(targets_section(results))
    return "\n\n".join(parts)


def replace_between_markers(document: str, figures: str) -> str:
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{figures}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("results", type=Path, nargs="?", default=ROOT / "var" / "bench" / "results.json")
    parser.add_argument("--into", type=Path, help="a Markdown file with the figure markers to update")
    args = parser.parse_args(argv)
    figures = markdown(json.loads(args.results.read_text()))
    if args.into:
        args.into.write_text(replace_between_markers(args.into.read_text(), figures))
    else:
        print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
