"""What the dashboard shows for a period: the table, the hot spots, the map and the trend.

A constant number of queries whatever the number of searches: the quartiers
(with their polygons, for the map), the needs, the period's grouped counts,
the trend's grouped counts per month, and the words not understood.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import formats
from django.utils.translation import gettext as _

from actors.models import Need, Neighbourhood
from insights import stats, svg
from insights.models import MissedWord, RecordedSearch
from insights.words import WORDS_SHOWN_FROM

TREND_MONTHS = 12
HOT_SPOTS = 10
MISSED_WORDS = 30


@dataclass(frozen=True)
class Row:
    place: str
    city: str
    need: str
    figures: stats.Figures


@dataclass(frozen=True)
class HotSpot:
    place: str
    city: str
    figures: stats.Figures
    needs: list  # [(need label, searches that found nothing on foot)]


@dataclass(frozen=True)
class Area:
    neighbourhood: Neighbourhood
    path: str
    figures: stats.Figures | None  # None: no search started there
    level: int | None


class Report:
    def __init__(self, first_day, last_day, *, neighbourhood=None, need=None):
        self.first_day, self.last_day = first_day, last_day
        self.neighbourhood, self.need = neighbourhood, need
        self.neighbourhoods = list(Neighbourhood.objects.quartiers())
        self.needs = list(Need.objects.all())
        period = RecordedSearch.objects.between(first_day, last_day)
        self.breakdown = stats.Breakdown(period.grouped())
        self.summary = period.summary()
        months = stats.months_between(self._trend_start(), last_day)
        trend = RecordedSearch.objects.between(months[0], last_day)
        if neighbourhood is not None:
            trend = trend.filter(neighbourhood=neighbourhood)
        self.trend_months = stats.monthly(
            trend.grouped(by_month=True),
            months,
            place=neighbourhood.pk if neighbourhood else None,
            need=need.slug if need else None,
        )

    def _trend_start(self):
        month = self.last_day.replace(day=1)
        for _step in range(TREND_MONTHS - 1):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        return month

    @property
    def has_examples(self):
        return self.breakdown.has_examples

    @property
    def total(self):
        return sum(figures.searches for figures in self.breakdown.places.values())

    # --- Names ------------------------------------------------------------------------------

    def _place_names(self):
        names = {n.pk: (n.name, n.city) for n in self.neighbourhoods}
        names[stats.OUTSIDE] = (_("Hors quartiers"), "")
        names[stats.NO_ORIGIN] = (_("Sans point de départ"), "")
        return names

    def _need_names(self):
        names = {need.slug: need.local_label for need in self.needs}
        names[None] = _("Sans besoin précisé")
        return names

    # --- The table ------------------------------------------------------------------------

    def rows(self):
        """Quartier × need, in the order of the quartiers then of the needs (the chosen ones)."""
        places = self._place_names()
        needs = self._need_names()
        place_order = {key: index for index, key in enumerate(places)}
        need_order = {key: index for index, key in enumerate(needs)}
        cells = [
            (place, need, figures)
            for (place, need), figures in self.breakdown.cells.items()
            if (self.neighbourhood is None or place == self.neighbourhood.pk)
            and (self.need is None or need == self.need.slug)
        ]
        cells.sort(
            key=lambda cell: (
                place_order.get(cell[0], len(place_order)),
                need_order.get(cell[1], len(need_order)),
                str(cell[1]),
            )
        )
        return [
            Row(*places.get(place, (str(place), "")), needs.get(need, need), figures)
            for place, need, figures in cells
        ]

    def hot_spots(self):
        """[HotSpot]: the quartiers the map colours, the darkest first, for the need the map
        shows (or all of them), each with the needs that went unanswered there."""
        places, needs = self._place_names(), self._need_names()
        spots = self.breakdown.hot_spots(self.need.slug if self.need else None, HOT_SPOTS)
        return [
            HotSpot(*places[place], figures, [(needs.get(slug, slug), n) for slug, n in by_need])
            for place, figures, by_need in spots
        ]

    # --- Not understood ------------------------------------------------------------------------

    @property
    def not_understood(self):
        return sum(figures.not_understood for figures in self.breakdown.places.values())

    def missed_words(self):
        """[(word, searches)]: the words not understood that at least WORDS_SHOWN_FROM
        searches of the period used, the most frequent first."""
        rows = (
            MissedWord.objects.filter(day__gte=self.first_day, day__lte=self.last_day)
            .exclude(word="")
            .values("word")
            .annotate(searches=Sum("searches"))
            .filter(searches__gte=WORDS_SHOWN_FROM)
            .order_by("-searches", "word")[:MISSED_WORDS]
        )
        return [(row["word"], row["searches"]) for row in rows]

    # --- The map ------------------------------------------------------------------------------

    def map(self):
        """The quartiers, each with its figures for the chosen need and its level."""
        by_place = self.breakdown.by_place(self.need.slug if self.need else None)
        top = max(
            (figures.unanswered for place, figures in by_place.items() if isinstance(place, int)),
            default=0,
        )
        frame = svg.map_frame({n.pk: n.boundary for n in self.neighbourhoods})
        areas = []
        for neighbourhood in self.neighbourhoods:
            figures = by_place.get(neighbourhood.pk)
            level = stats.level_of(figures.unanswered, top) if figures else None
            areas.append(Area(neighbourhood, frame.paths[neighbourhood.pk], figures, level))
        return {
            "frame": frame,
            "areas": areas,
            "legend": stats.level_ranges(top),
            "searched": [area for area in areas if area.figures],
        }

    # --- The trend ----------------------------------------------------------------------------

    def trend(self):
        values = [
            (
                formats.date_format(month, "N"),
                str(month.year) if index == 0 or month.month == 1 else "",
                figures.searches,
                figures.unanswered,
            )
            for index, (month, figures) in enumerate(self.trend_months)
        ]
        return {
            "chart": svg.bar_chart(values),
            "months": self.trend_months,
            "first_month": self.trend_months[0][0],
        }
