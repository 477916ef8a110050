import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from pledges.models import Pledge
from pledges.selectors import verify_chain
from pledges.services import pledge_sign

from ..factories import CycleFactory, MembershipFactory, load_edition
from .conftest import META, sign


def test_the_database_allows_one_active_pledge_per_person_and_cycle(world, cycle):
    pledge = sign(world.official, cycle)
    duplicate = Pledge(
        user=pledge.user,
        office=pledge.office,
        cycle=cycle,
        edition=cycle.edition,
        typed_name="x",
        consent_text="x",
        auth_method="password",
        text_sha256="0" * 64,
        sequence=99,
        previous_hash="0" * 64,
        record_hash="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_signing_on_postgresql_yields_one_pledge():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    edition = load_edition()
    cycle = CycleFactory(edition=edition)
    official = MembershipFactory().user
    others = [MembershipFactory().user for _ in range(3)]
    barrier = threading.Barrier(8)
    results, errors = [], []

    def attempt(user):
        try:
            barrier.wait()
            results.append(
                pledge_sign(
                    user=user,
                    cycle=cycle,
                    typed_name=user.full_name,
                    consent=True,
                    request_meta=META,
                )
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(official,)) for _ in range(5)]
    threads += [threading.Thread(target=attempt, args=(u,)) for u in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Pledge.objects.filter(user=official).count() == 1
    assert sum(created for _pledge, created in results) == 4
    assert len({p.pk for p, _created in results if p.user_id == official.pk}) == 1
    report = verify_chain()
    assert report.intact and report.checked == 4


@pytest.mark.postgres
def test_postgresql_refuses_to_edit_or_delete_signed_records(world, cycle):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    import importlib

    from pledges.models import PledgeWithdrawal
    from pledges.services import pledge_withdraw

    guard = importlib.import_module("pledges.migrations.0004_append_only_guard")
    with connection.cursor() as cursor:
        cursor.execute(guard.INSTALL)
    pledge = sign(world.official, cycle)
    for change in (
        lambda: Pledge.objects.filter(pk=pledge.pk).update(typed_name="Forged"),
        lambda: Pledge.objects.filter(pk=pledge.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    pledge_withdraw(pledge=pledge, by=world.official, reason="Moving on", request_meta=META)
    pledge.refresh_from_db()
    assert pledge.withdrawn_at is not None
    for change in (
        lambda: Pledge.objects.filter(pk=pledge.pk).update(withdrawn_at=None),
        lambda: PledgeWithdrawal.objects.update(reason="Edited"),
        lambda: PledgeWithdrawal.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert verify_chain().intact
