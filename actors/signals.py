"""What the directory tells the apps built on it, without importing them.

`actors` is the ground floor: the apps above (insights, frontdesk, transit…) connect to
these signals in their AppConfig.ready(), so a search never imports its statistics.

A results page or an API list is computed once, then served from the page cache for a
minute (actors.pagecache); what an app needs each time the page is served is prepared
when it is computed and kept with it:

- `search_computed` (request, search, page, channel): a receiver returns
  (name, plain data) — picklable: it is kept in the page cache — or None;
- `search_shown` (request, kept): each time the page is served, computed or cached;
  `kept` is {name: data} of what the receivers returned.
"""

from django.dispatch import Signal

search_computed = Signal()
search_shown = Signal()


def keep(request, search, page, channel):
    """What the apps above keep with a computed search page: {name: data}."""
    answers = search_computed.send(
        sender=None, request=request, search=search, page=page, channel=channel
    )
    return dict(answer for _receiver, answer in answers if answer)


def show(request, kept):
    search_shown.send(sender=None, request=request, kept=kept)
