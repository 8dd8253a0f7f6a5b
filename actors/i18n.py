"""gettext for the fixed messages a page repeats on every card ("%(n)d m", "Ouvre demain
à %(time)s", "%(hour)d h"): Django's walks the translation catalogs on each call, some
hundred times a results page; here each message is looked up once per language of the
site and process. Only for literal messages (the cache grows with them, not with data).
"""

from django.conf import settings
from django.utils import translation

_KEPT = {}
_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


def gettext(message):
    language = translation.get_language()
    try:
        return _KEPT[language, message]
    except KeyError:
        text = translation.gettext(message)
        if language in _LANGUAGES:
            _KEPT[language, message] = text
        return text
