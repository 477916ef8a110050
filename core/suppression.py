"""Small-cell suppression: no figure computed from fewer than SMALL_CELL_MINIMUM people.

A figure is shown only when the group behind it is large enough, and a group's total
is shown only when subtracting the visible parts from it cannot reveal a hidden one:
if the hidden parts together hold fewer than the minimum, the smallest visible parts
are hidden too (complementary suppression). Groups are counted in people, never in
ratings: an item counts those who rated it, a standard only items rated by enough people.

This is for readers who may not see the individuals behind a figure (association
readers, other offices through benchmarks, supervisors' team reports). An office
manager's report is identified and suppresses nothing: they may open every
self-assessment of their office.
"""

from collections.abc import Hashable, Mapping

from django.conf import settings


def minimum() -> int:
    return settings.SMALL_CELL_MINIMUM


def too_small(size: int) -> bool:
    """A non-empty group below the minimum. An empty group reveals nobody."""
    return 0 < size < minimum()


def hidden_cells(sizes: Mapping[Hashable, int]) -> set:
    """The cells of a total to hide: the small ones, and their complements where needed."""
    hidden = {key for key, size in sizes.items() if too_small(size)}
    hidden_people = sum(sizes[key] for key in hidden)
    if hidden_people == 0:
        return hidden
    visible = sorted(
        (size, str(key), key) for key, size in sizes.items() if key not in hidden and size > 0
    )
    for size, _label, key in visible:
        if hidden_people >= minimum():
            break
        hidden.add(key)
        hidden_people += size
    return hidden


def below_minimum(size: int) -> bool:
    """Too few people for a figure of their own (none at all included)."""
    return size < minimum()


def part_hidden(part: Hashable, size: int, sizes: Mapping[Hashable, int]) -> bool:
    """Whether one part of a partitioned total is hidden: too few in it, or hidden so that
    subtracting the visible parts from the total cannot reveal a small one."""
    return below_minimum(size) or part in hidden_cells(sizes)


def complement_too_small(total: int, part: int) -> bool:
    """Whoever reads both a total and one part of it learns the rest: a small group."""
    return too_small(total - part)


def rest_too_small(sizes: Mapping[Hashable, int]) -> bool:
    """True when the total minus its largest part is a small group: whoever knows the
    largest part (its own office's manager) would learn the rest."""
    values = list(sizes.values())
    return bool(values) and too_small(sum(values) - max(values))
