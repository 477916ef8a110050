import pytest

from pledges.names import names_agree


@pytest.mark.parametrize(
    ("typed", "account"),
    [
        ("Olivia Chen", "Olivia Chen"),
        ("olivia CHEN", "Olivia Chen"),
        ("Olívia Chén", "Olivia Chen"),
        ("Olivia M. Chen", "Olivia Chen"),
        ("Olivia Chen", "Olivia Mei Chen"),
        ("O. Chen", "Olivia Chen"),
        ("O. M. Chen", "Olivia Mei Chen"),
        ("Maria Garcia", "María García López"),
        ("José Nuñez-Dang", "Jose Núñez-Đặng"),
        ("Lukasz Strasse", "Łukasz Straße"),
        ("  Olivia   Chen ", "Olivia Chen"),
    ],
)
def test_the_same_name_written_otherwise_agrees(typed, account):
    assert names_agree(typed, account)
    assert names_agree(account, typed)


@pytest.mark.parametrize(
    ("typed", "account"),
    [
        ("Olivia Official", "Olivia Chen"),
        ("Olivia", "Olivia Chen"),
        ("Chen", "Olivia Chen"),
        ("Olivia C.", "Olivia Chen"),
        ("Chen Olivia", "Olivia Chen"),
        ("Oscar Chen", "Olivia Chen"),
        ("Q. Chen", "Olivia Chen"),
        ("Olivia X. Chen", "Olivia Y. Chen"),
        ("O", "Olivia"),
        ("...", "Olivia Chen"),
        ("Olivia Chen", ""),
    ],
)
def test_a_different_name_does_not_agree(typed, account):
    assert not names_agree(typed, account)
    assert not names_agree(account, typed)
