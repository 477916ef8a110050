from core.suppression import hidden_cells, too_small


def test_groups_of_four_are_too_small_and_five_are_not():
    assert too_small(4)
    assert not too_small(5)
    assert not too_small(0)  # an empty group reveals nobody


def test_one_small_cell_takes_the_smallest_other_cell_with_it():
    # The total is shown: without a second hidden cell, total - visible = the small one.
    assert hidden_cells({"a": 20, "b": 3, "c": 6}) == {"b", "c"}


def test_small_cells_that_together_reach_the_minimum_need_no_complement():
    assert hidden_cells({"a": 20, "b": 3, "c": 2}) == {"b", "c"}


def test_nothing_is_hidden_when_every_cell_is_large_enough_or_empty():
    assert hidden_cells({"a": 5, "b": 0, "c": 9}) == set()
