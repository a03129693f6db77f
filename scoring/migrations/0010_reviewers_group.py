"""The `reviewers` group: exactly what reviewing uploads needs (README: "Making someone a reviewer")."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "reviewers"
# See photos and their faces, set a photo's review (state, reason, note), send it to be scored again.
PERMISSIONS = ["view_photo", "view_face", "review_photo", "rescore_photo"]


def create_group(apps, schema_editor):
    # Permissions are made after all migrations ran; this one needs them now.
    scoring = apps.get_app_config("scoring")
    scoring.models_module = True
    create_permissions(scoring, apps=apps, verbosity=0)
    scoring.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label="scoring", codename__in=PERMISSIONS))


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0009_review_reasons_second_look_access_records"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
