"""What the scoring job tells whoever listens (operations metrics), without knowing who does."""

from django.dispatch import Signal

# Sent by the worker after each scoring job, with `timer` (ml.inference.stage_timer.StageTimer:
# the job's seconds per stage) and `photos` (how many photos the job claimed).
scoring_job_timed = Signal()

# Sent when a worker claims photos to score, with `photos` (the Photo rows as claimed: their
# `created`, `claimed` and `attempts`).
photos_claimed = Signal()

# Sent once photos' results are committed, with `count` (how many photos).
photos_scored = Signal()

# Sent when photos end `failed`, with `error` (the sentence stored for their owner) and `count`.
photos_failed = Signal()
