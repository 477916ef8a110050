import errno
import logging
import os
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.idp import DEMO_IDP_NAME, demo_idp_address, demo_idp_app, demo_idp_claims


class Command(BaseCommand):
    help = (
        "Run the demo identity provider (Riverside County's demo people) at DEMO_IDP_URL, "
        "for 'Sign in with Riverside County (demo IdP)'. Development only: refused when "
        "DEBUG is false. `make run` starts it."
    )
    # `make run` starts it beside runserver, which runs the checks already.
    requires_system_checks = []

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "run_demo_idp only runs with DEBUG=true: the demo identity provider signs in "
                "anyone who clicks a name."
            )
        url = settings.DEMO_IDP_URL.rstrip("/")
        if not url:
            self.stderr.write("DEMO_IDP_URL is empty: the demo identity provider is off.")
            return
        try:
            host, port = demo_idp_address(url)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not _port_free(host, port):
            raise CommandError(
                f"Port {port} is taken, so the demo identity provider did not start: "
                f'"Sign in with {DEMO_IDP_NAME}" will not work; password sign-in does. '
                f"Stop what uses port {port}, or choose another port, e.g. "
                f"`DEMO_IDP_URL=http://127.0.0.1:{port + 1} make run`."
            )
        # The provider speaks plain HTTP on this machine only; authlib refuses that unless
        # told otherwise, in this process alone.
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
        from werkzeug.serving import make_server

        # One line per request would drown runserver's output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server(host, port, demo_idp_app(), threaded=True)
        people = ", ".join(demo_idp_claims())
        self.stdout.write(
            f"Demo identity provider at {url} (development only), for "
            f'"Sign in with {DEMO_IDP_NAME}": {people}.'
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def _port_free(host: str, port: int) -> bool:
    """Whether the port can be listened on (as the server will: address reuse allowed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True
