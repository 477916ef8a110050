"""The demo's oath addendum: a plainly fictional text, not legal wording.

The Centennial Association publishes it in two versions (the first retired by the second),
Aspen County Elections asks its people to sign it with the pledge, and Aspen's manager has
signed this cycle's pledge and the addendum in one act. The drafts, their publication and
Aspen's choice go through `pledges.services`; the signature joins the chain through
`pledges_import`, like the demo's other pledges (no email is sent).

Runs before `seed_pledges`: the person who signed the addendum already has this cycle's
pledge, so the demo's other pledges leave them alone. Idempotent: an association that has
an addendum, an office that has chosen and a person who has signed are left as they are.
"""

from django.utils import timezone

from accounts.models import Association, Office, User
from pledges.chain import CONSENT_TEXT_WITH_ADDENDUM
from pledges.models import AddendumRequirement, OathAddendum, Pledge
from pledges.selectors import addendum_due
from pledges.services import (
    addendum_create,
    addendum_publish,
    addendum_requirement_set,
    pledge_text,
    pledges_import,
)

from .base import Demo

TITLE = "Fictional State of Example — demonstration oath addendum, not legal text"
FIRST_TEXT = """\
This is a demonstration text for the Standards Portal demo. It is not the oath of any real \
state, office or association, and it has no legal effect.

As an election official of the Fictional State of Example, I affirm that I will carry out \
my duties under the (fictional) Example Election Code."""
SECOND_TEXT = """\
This is a demonstration text for the Standards Portal demo. It is not the oath of any real \
state, office or association, and it has no legal effect.

As an election official or election worker of the Fictional State of Example, I affirm \
that I will carry out my duties under the (fictional) Example Election Code, keep ballots \
and voters' records secure, and report anything that puts an election's integrity at risk."""

REQUIRED_BY = "aspen"
SIGNED_BY = "aspen.manager"
USER_AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"


def seed_addenda(demo: Demo) -> None:
    """Publish the association's fictional addendum, have Aspen require it, sign it once."""
    _publish(demo.association, by=demo.people["association.admin"])
    office = demo.offices[REQUIRED_BY]
    if not AddendumRequirement.objects.filter(office=office).exists():
        addendum_requirement_set(
            office=office,
            by=demo.people[SIGNED_BY],
            source=AddendumRequirement.Source.ASSOCIATION,
            association=demo.association,
        )
    _sign(demo, office, demo.people[SIGNED_BY])


def _publish(association: Association, *, by: User) -> None:
    if OathAddendum.objects.filter(association=association).exists():
        return
    for text in (FIRST_TEXT, SECOND_TEXT):
        draft = addendum_create(
            by=by, association=association, title=TITLE, text=text, language="en"
        )
        addendum_publish(addendum=draft, by=by, seen_revision=draft.revision)


def _sign(demo: Demo, office: Office, person: User) -> None:
    """The person's pledge of this cycle, with the addendum in force, unless they signed."""
    cycle = demo.cycles[-1]
    if Pledge.objects.filter(user=person, cycle=cycle).exists():
        return
    addendum = addendum_due(office).addendum
    pledges_import(
        pledges=[
            Pledge(
                user=person,
                office=office,
                cycle=cycle,
                edition_id=cycle.edition_id,
                typed_name=person.full_name,
                account_name=person.full_name,
                consent_text=str(CONSENT_TEXT_WITH_ADDENDUM),
                signed_at=timezone.now(),
                ip_address="192.0.2.44",
                user_agent=USER_AGENT,
                auth_method=Pledge.AuthMethod.MFA,
                text_sha256=pledge_text(cycle)[1],
                addendum=addendum,
                addendum_sha256=addendum.text_sha256,
                listed_publicly=True,
            )
        ]
    )
