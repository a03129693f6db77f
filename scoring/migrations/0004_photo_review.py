"""One review state instead of two booleans; every existing photo keeps its meaning."""

from django.db import migrations, models


def booleans_to_review(apps, schema_editor):
    # Flagged wins: the flag action cleared `approved`, and a flagged photo must stay hidden.
    Photo = apps.get_model("scoring", "Photo")
    Photo.objects.filter(flagged=True).update(review="flagged")
    Photo.objects.filter(flagged=False, approved=True).update(review="approved")


def review_to_booleans(apps, schema_editor):
    Photo = apps.get_model("scoring", "Photo")
    Photo.objects.filter(review="flagged").update(flagged=True, approved=False)
    Photo.objects.filter(review="approved").update(flagged=False, approved=True)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0003_photo_claimed_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="review",
            field=models.CharField(
                choices=[("unreviewed", "Unreviewed"), ("approved", "Approved"), ("flagged", "Flagged")],
                default="unreviewed",
                help_text="Flagged: hidden from its owner.",
                max_length=10,
            ),
        ),
        migrations.RunPython(booleans_to_review, review_to_booleans),
        migrations.RemoveField(model_name="photo", name="approved"),
        migrations.RemoveField(model_name="photo", name="flagged"),
    ]
