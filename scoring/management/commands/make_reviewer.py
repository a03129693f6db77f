"""Make an account a reviewer: staff (the admin opens, after a second factor) in the `reviewers` group."""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from scoring.models import User


class Command(BaseCommand):
    help = "Make a user a reviewer (staff, in the reviewers group); --remove takes it back."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--remove", action="store_true", help="no longer a reviewer (nor staff)")

    def handle(self, *args, username: str, remove: bool, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        group = Group.objects.get(name="reviewers")
        if remove:
            user.groups.remove(group)
            user.is_staff = user.is_superuser  # a superuser stays staff
        else:
            user.groups.add(group)
            user.is_staff = True
        user.save(update_fields=["is_staff"])
        word = "no longer a reviewer" if remove else "a reviewer: at the first staff page they set up a second factor"
        self.stdout.write(f"{username} is {word}.")
