import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pledges.models import ChainHead, Pledge, PledgeWithdrawal
from pledges.selectors import verify_chain
from pledges.services import pledge_withdraw

from .conftest import META, sign


@pytest.fixture
def chain(world, cycle):
    pledges = [sign(u, cycle) for u in (world.official, world.colleague, world.manager)]
    pledge_withdraw(pledge=pledges[1], by=world.colleague, reason="Left", request_meta=META)
    pledges.append(sign(world.supervisor, cycle))
    return pledges


def test_an_untouched_chain_verifies(chain):
    report = verify_chain()
    assert report.intact and report.checked == 5


def test_an_empty_chain_verifies(db):
    assert verify_chain().intact


def test_an_edited_pledge_is_caught(chain):
    Pledge.objects.filter(pk=chain[2].pk).update(typed_name="Someone Else")
    report = verify_chain()
    assert not report.intact
    assert report.sequence == chain[2].sequence
    assert "changed" in report.problem


def test_an_edited_withdrawal_reason_is_caught(chain):
    PledgeWithdrawal.objects.update(reason="Edited")
    report = verify_chain()
    assert not report.intact and report.sequence == 4


def test_a_deleted_pledge_in_the_middle_is_caught(chain):
    Pledge.objects.filter(pk=chain[0].pk).delete()
    report = verify_chain()
    assert not report.intact
    assert report.sequence == 1 and "missing" in report.problem


def test_a_deleted_last_record_is_caught(chain):
    Pledge.objects.filter(pk=chain[3].pk).delete()
    report = verify_chain()
    assert not report.intact and "missing" in report.problem


def test_a_deleted_withdrawal_is_caught(chain):
    PledgeWithdrawal.objects.all().delete()
    assert not verify_chain().intact


def test_a_quietly_reactivated_pledge_is_caught(chain):
    Pledge.objects.filter(pk=chain[1].pk).update(withdrawn_at=None)
    assert not verify_chain().intact


def test_a_rehashed_edit_still_breaks_the_next_link(chain):
    from pledges.chain import record_hash

    pledge = Pledge.objects.get(pk=chain[0].pk)
    pledge.typed_name = "Forged"
    pledge.record_hash = record_hash(pledge, pledge.previous_hash)
    pledge.save()
    report = verify_chain()
    assert not report.intact and report.sequence == 2 and "link" in report.problem


def test_verify_pledges_command_reports_success(chain, capsys):
    call_command("verify_pledges")
    assert "intact: 5 records" in capsys.readouterr().out


def test_verify_pledges_command_fails_loudly(chain):
    Pledge.objects.filter(pk=chain[0].pk).update(ip_address="198.51.100.1")
    with pytest.raises(CommandError, match=r"NOT intact.*#1"):
        call_command("verify_pledges")


def test_the_chain_head_follows_the_last_record(chain):
    head = ChainHead.objects.get()
    assert head.sequence == 5 and head.record_hash == chain[-1].record_hash
