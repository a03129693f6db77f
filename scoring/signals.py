"""What the scoring job tells whoever listens (operations metrics), without knowing who does."""

from django.dispatch import Signal

# Sent by the worker after each scoring job, with `timer` (ml.inference.stage_timer.StageTimer:
# the job's seconds per stage) and `photos` (how many photos the job claimed).
scoring_job_timed = Signal()
