"""Where the research datasets are: beside the checkout, never in it (users do not have them).

Tests that read one carry `@pytest.mark.dataset("<folder>")`; tests/conftest.py skips them, naming
the missing folder, so a run without the datasets says they did not run. DATASETS_DIR points
elsewhere (e.g. from a git worktree, whose parent folder is not the shared one).
"""

import os
from pathlib import Path

ROOT = Path(os.environ.get("DATASETS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "datasets")


def folder(name: str) -> Path:
    return ROOT / name
