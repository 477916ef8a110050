from django.urls import reverse

from demo.seed import seed
from demo.sessions import TITLE
from pledges.models import Pledge
from signing.models import Attendance, Kiosk, SigningSession

from ..pledges.conftest import fresh_login


def test_the_demo_has_a_session_with_its_code_a_kiosk_and_a_sheet_once(edition, client):
    demo = seed(edition)
    session = SigningSession.objects.get(title=TITLE)
    assert session.is_open()
    assert session.roster.count() == 4
    assert Attendance.objects.filter(session=session, pledge__isnull=False).count() == 3
    shared = Pledge.objects.get(session_reference=session.reference, session_shared_device=True)
    assert shared.typed_name == "Ben Whitaker"
    assert Kiosk.objects.get(session=session).lock_reason == Kiosk.LockReason.MANAGER
    fresh_login(client, demo.people["manager"])
    page = client.get(reverse("signing:session-detail", args=[session.pk])).content.decode()
    assert '<svg role="img"' in page and "Ben Whitaker" in page
    sheet = client.get(reverse("signing:attendance-pdf", args=[session.pk]))
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    seed(edition)
    assert SigningSession.objects.filter(title=TITLE).count() == 1
    assert Attendance.objects.filter(session=session).count() == 3
