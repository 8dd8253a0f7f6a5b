"""The dashboard's figures, computed in Python over grouped rows.

The database counts searches per distinct (place, needs, outcome, 50 m step)
(`RecordedSearchQuerySet.grouped`); the tallies per quartier × need and the
medians are computed here. A median is not a portable SQL aggregate
(PERCENTILE_CONT on PostgreSQL, nothing on SQLite): computing it from the
grouped counts gives both databases the same numbers in one query.
"""

import collections
import datetime
import math

from insights.models import OriginKind

# Places that are not a quartier.
OUTSIDE = "hors-quartiers"
NO_ORIGIN = "sans-point-de-depart"


def weighted_median(counts):
    """Median of values given as {value: how many times}; mean of the middle two when even."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def nth(index):
        seen = 0
        for value, times in ordered:
            seen += times
            if index < seen:
                return value
        raise IndexError(index)

    if total % 2:
        return nth(total // 2)
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


class Figures:
    """Searches of one group, those judged (they had a walking radius and were understood),
    what they found, and those whose words were not understood ("pas compris")."""

    def __init__(self):
        self.searches = 0
        self.judged = 0
        self.unanswered = 0
        self.not_understood = 0
        self.distances = collections.Counter()

    def add(self, group):
        n = group["searches"]
        self.searches += n
        if group.get("not_understood"):
            self.not_understood += n
        if group["nothing_nearby"] is not None:
            self.judged += n
            self.unanswered += n if group["nothing_nearby"] else 0
        if group["nearest_m"] is not None:
            self.distances[group["nearest_m"]] += n

    @property
    def share_unanswered(self):
        """Share of the judged searches that found nothing within walking distance (0–1)."""
        return self.unanswered / self.judged if self.judged else None

    @property
    def median_m(self):
        return weighted_median(self.distances)


def place_of(group):
    if group["neighbourhood_id"] is not None:
        return group["neighbourhood_id"]
    return NO_ORIGIN if group["origin_kind"] == OriginKind.NONE else OUTSIDE


class Breakdown:
    """Figures per (place, need) and per place, from grouped rows.

    A search for two needs counts under each of them; one for none counts under
    the need None ("sans besoin précisé"). Per place, each search counts once.
    """

    def __init__(self, groups):
        self.cells = collections.defaultdict(Figures)
        self.places = collections.defaultdict(Figures)
        self.has_examples = False
        for group in groups:
            place = place_of(group)
            self.places[place].add(group)
            for need in group["needs"] or [None]:
                self.cells[place, need].add(group)
            self.has_examples |= group["is_example"]

    def by_place(self, need=None):
        """{place: Figures} for one need (a slug), or for all searches."""
        if need is None:
            return dict(self.places)
        return {place: cell for (place, slug), cell in self.cells.items() if slug == need}

    def hot_spots(self, need=None, limit=10):
        """[(quartier id, Figures, [(need slug or None, unanswered)])]: the quartiers with the
        most searches that found nothing nearby first, each with the needs those searches
        were for. The same figures as the map's (`by_place(need)`): the darkest quartier on
        the map heads the list, and every quartier it colours is in it (up to `limit`)."""
        spots = []
        for place, figures in self.by_place(need).items():
            if not isinstance(place, int) or not figures.unanswered:
                continue
            needs = sorted(
                (
                    (slug, cell.unanswered)
                    for (where, slug), cell in self.cells.items()
                    if where == place and cell.unanswered and (need is None or slug == need)
                ),
                key=lambda pair: (-pair[1], pair[0] or ""),
            )
            spots.append((place, figures, needs))
        spots.sort(key=lambda spot: (-spot[1].unanswered, -spot[1].searches, spot[0]))
        return spots[:limit]


def months_between(first_day, last_day):
    """First days of the months from first_day's to last_day's, in order."""
    month = first_day.replace(day=1)
    months = []
    while month <= last_day:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def monthly(groups, months, *, place=None, need=None):
    """[(month, Figures)] for every month, searches of one place and one need (or all)."""
    by_month = {month: Figures() for month in months}
    for group in groups:
        month = group["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        if month not in by_month or (place is not None and place_of(group) != place):
            continue
        if need is None or need in group["needs"]:
            by_month[month].add(group)
    return list(by_month.items())


# --- Levels of unmet demand, for the map ---------------------------------------------------

LEVELS = 4


def _levels(top):
    # Never more levels than counts: with a top of 2, the levels are 1 and 2.
    return min(LEVELS, top)


def level_of(unanswered, top):
    """0 when nothing went unanswered, then 1 to 4 in equal steps up to the top count."""
    if not unanswered or not top:
        return 0
    return math.ceil(unanswered * _levels(top) / top)


def level_ranges(top):
    """[(level, lowest count, highest count)] of each level, for the legend."""
    levels = _levels(top)
    return [
        (level, (level - 1) * top // levels + 1, level * top // levels)
        for level in range(1, levels + 1)
    ]
