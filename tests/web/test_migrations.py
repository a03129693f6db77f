"""The move from two review booleans to one review state keeps what each photo meant."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("scoring", "0003_photo_claimed_by")]
AFTER = [("scoring", "0004_photo_review")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_flagged_and_approved_become_one_review_state(alice):
    old_apps = migrate(BEFORE).loader.project_state(BEFORE).apps
    OldPhoto = old_apps.get_model("scoring", "Photo")
    expected = {}
    for flagged, approved, review in [
        (False, False, "unreviewed"),
        (False, True, "approved"),
        (True, False, "flagged"),
        (True, True, "flagged"),  # hidden stays hidden
    ]:
        photo = OldPhoto.objects.create(
            owner_id=alice.pk, image="photos/x.jpg", width=1, height=1, flagged=flagged, approved=approved
        )
        expected[photo.pk] = review
    try:
        new_apps = migrate(AFTER).loader.project_state(AFTER).apps
        NewPhoto = new_apps.get_model("scoring", "Photo")
        assert dict(NewPhoto.objects.values_list("pk", "review")) == expected
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())  # later tests need the latest schema
