import time

from allauth.mfa import app_settings as mfa_settings
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from demo.mfa import DEMO_EMAIL_SUFFIX, current_code, demo_secret_for


class Command(BaseCommand):
    help = (
        "Print the current sign-in code of a demo account's authenticator app "
        "(development only: refused when DEBUG is false)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help=f"a demo account, ending in {DEMO_EMAIL_SUFFIX}")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("demo_mfa_code only runs with DEBUG=true (a development demo).")
        email = email.strip()
        if not email.lower().endswith(DEMO_EMAIL_SUFFIX):
            raise CommandError(f"Only demo accounts ({DEMO_EMAIL_SUFFIX}) have a demo code.")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account {email}. Run manage.py seed_demo first.")
        secret = demo_secret_for(user)
        if secret is None:
            raise CommandError(f"{email} has no authenticator app: sign in with the password only.")
        now = time.time()
        left = mfa_settings.TOTP_PERIOD - int(now) % mfa_settings.TOTP_PERIOD
        self.stdout.write(current_code(secret, at=now))
        self.stderr.write(f"Valid for {left} more seconds; each code signs in once.")
