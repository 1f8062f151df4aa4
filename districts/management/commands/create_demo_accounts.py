"""Create one demo account per role (editor, leader, analyst) and a demo administrator; only when DEBUG is on."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import BaseCommand

from core.roles import ANALYSTS, EDITORS, LEADERS

ADMINISTRATORS = "admin"  # not a group: a superuser

# Demo only: printed on the console, refused when DEBUG is off.
DEMO_ACCOUNTS = [
    ("bientap", "bientap-demo-2015", EDITORS, "Biên tập viên (demo)"),
    ("lanhdao", "lanhdao-demo-2015", LEADERS, "Lãnh đạo (demo)"),
    ("phantich", "phantich-demo-2015", ANALYSTS, "Chuyên viên phân tích (demo)"),
    # An administrator (Django superuser): /access/ (roles and editors' district scopes) and /admin/.
    ("quantri", "quantri-demo-2015", ADMINISTRATORS, "Quản trị viên (demo)"),
]


class Command(BaseCommand):
    help = "Create the demo accounts, one per role (DEBUG only); existing ones are left as they are."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo accounts created.")
            return
        User = get_user_model()
        self.stdout.write("Demo accounts (tài khoản demo):")
        for username, password, group_name, label in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": label})
            if created:
                user.set_password(password)
                if group_name == ADMINISTRATORS:
                    user.is_staff = user.is_superuser = True
                user.save()
            if group_name != ADMINISTRATORS:
                user.groups.add(Group.objects.get(name=group_name))
            state = "created" if created else "exists"
            self.stdout.write(f"  {group_name:<9} {username:<9} / {password:<20} ({state})")
