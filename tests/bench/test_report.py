"""The benchmark report: targets judged from the figures, and a document's figures replaced in place."""

from bench.report import END, START, markdown, replace_between_markers


def load(clients, p95):
    return {
        "clients": clients,
        "requests": 100,
        "errors": 0,
        "per_s": 50.0,
        "p50_ms": 1.0,
        "p95_ms": p95,
        "p99_ms": p95,
    }


def run(processes, batch, per_s):
    return {
        "worker_processes": processes,
        "batch_size": batch,
        "photos": 60,
        "failed": 0,
        "tasks_that_scored": 60 // batch,
        "photos_per_s": per_s,
        "p50_ms": 900,
        "p95_ms": 1500,
        "alone_p50_ms": 90,
    }


def results(upload_p95_at_8, history_p95_at_8, photos_per_s_with_two):
    return {
        "machine": {"cpu": "test CPU", "cores": 2, "python": "3.11"},
        "web": {
            "history_photos": 1000,
            "upload": [load(1, 10), load(8, upload_p95_at_8), load(32, 300)],
            "history": [load(1, 12), load(8, history_p95_at_8), load(32, 400)],
        },
        "pipeline": [run(1, 1, 10.0), run(1, 8, 11.0), run(2, 1, photos_per_s_with_two), run(2, 8, 16.0)],
    }


def targets(text):
    rows = text.split("### Targets", 1)[1].splitlines()
    return {row.split(" | ")[0].strip("| "): row.rsplit(" | ", 1)[1].strip(" |") for row in rows if " | " in row}


def test_targets_are_met_or_not_from_the_figures():
    good = targets(markdown(results(upload_p95_at_8=149, history_p95_at_8=99, photos_per_s_with_two=8.5)))
    assert good["upload POST p95 <= 150 ms at 8 clients"] == "yes"
    assert good["history page p95 <= 100 ms, user with 1000 photos"] == "yes at 1 client, yes at 8"
    assert good[">= 8 photos/s through the pipeline with 2 worker processes"] == "yes"
    assert good["GPU: >= 1000 faces/s at batch 64"] == "open"

    bad = targets(markdown(results(upload_p95_at_8=151, history_p95_at_8=101, photos_per_s_with_two=7.9)))
    assert bad["upload POST p95 <= 150 ms at 8 clients"] == "**no**"
    assert bad["history page p95 <= 100 ms, user with 1000 photos"] == "yes at 1 client, **no** at 8"
    assert bad[">= 8 photos/s through the pipeline with 2 worker processes"] == "**no**"


def test_ratios_come_from_the_runs():
    text = markdown(results(upload_p95_at_8=50, history_p95_at_8=50, photos_per_s_with_two=15.0))
    assert "**1.50x** the photos of one" in text  # 15.0 / 10.0
    assert "**1.10x** with one worker process, **1.07x** with two" in text  # 11/10, 16/15


def test_only_the_text_between_the_markers_is_replaced():
    document = f"# Title\nprose\n{START}\nold figures\n{END}\nmore prose\n"
    updated = replace_between_markers(document, "new figures")
    assert updated == f"# Title\nprose\n{START}\nnew figures\n{END}\nmore prose\n"


def test_accuracy_comes_from_the_weights_file_not_from_typed_figures():
    from bench.report import network_accuracy
    from ml.models.weights import load_weights

    recorded = load_weights()[1]["metrics"]["scut-60-40"]["overall"]
    accuracy = network_accuracy()
    assert accuracy["BeautyNet"] == (f"{recorded['pc']:.4f}", f"{recorded['mae']:.4f}")
    assert float(accuracy["seed"][0]) < float(accuracy["BeautyNet"][0])


def worker_figures():
    stages = ("read", "detect", "align", "model", "look_inside", "encode", "store", "rows")
    runs = [
        {
            "batch_size": size,
            "photos": 64,
            "jobs": 64 // size,
            "done": 64,
            "photos_per_s": per_s,
            "share_of_model_pace": round(per_s / 40.0, 3),
            "cpu_ms_per_photo": 50.0,
            "stage_cpu_ms_per_photo": dict.fromkeys(stages, 2.0),
            "stage_wall_ms_per_photo": dict.fromkeys(stages, 1.5),
            "stages_share_of_wall": 0.97,
        }
        for size, per_s in ((1, 10.0), (8, 24.0), (32, 30.0))
    ]
    return {
        "device": "cpu",
        "device_name": "test CPU",
        "torch_threads": 2,
        "detector": "OnnxRuntimeYuNet",
        "score_and_explain_ms_per_face_batch16": 25.0,
        "model_limit_photos_per_s": 40.0,
        "runs": runs,
    }


def test_the_worker_section_gives_its_pace_against_the_model_and_the_stage_table():
    from bench.report import worker_section

    text = worker_section(worker_figures())
    assert "**40.0 photos/s**" in text
    assert "**0.75** of it at 32" in text and "**0.6** of it at 8" in text
    assert "| detect | 2.0 | 2.0 | 2.0 | 1.5 | 1.5 | 1.5 |" in text
    assert "| all stages | 16.0 | 16.0 | 16.0 | 12.0 | 12.0 | 12.0 |" in text
    assert "97% at 32" in text


def test_before_and_after_are_medians_of_the_rounds_held_against_one_limit():
    from bench.before_after import summary

    def side(per_s_at_32: float, limit: float) -> dict:
        figures = worker_figures()
        figures["model_limit_photos_per_s"] = limit
        figures["runs"][2]["photos_per_s"] = per_s_at_32
        return figures

    sides = {"before": [side(15.0, 0), side(17.0, 0)], "after": [side(30.0, 39.0), side(32.0, 41.0)]}
    text = summary(sides)
    assert "model-work limit 40.00 photos/s" in text
    # At 32: 16 before, 31 after (medians), against the after side's limit of 40.
    assert "| 32 | 16.0 | 31.0 | **1.94x** | 0.4 | **0.775** |" in text
