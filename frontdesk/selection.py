"""The visitor's selection: up to five places, kept in the session, no login.

Each item is a structure slug and the need it was picked for (so the handout
can say what the place does for that need). Nothing about the visitor.
"""

from actors.models import Need, Structure

MAX_ITEMS = 5
SESSION_KEY = "selection"


class SelectionFull(Exception):
    pass


class Selection:
    def __init__(self, request):
        self.session = request.session

    def items(self):
        raw = self.session.get(SESSION_KEY, [])
        return [item for item in raw if isinstance(item, dict) and item.get("slug")][:MAX_ITEMS]

    def slugs(self):
        return [item["slug"] for item in self.items()]

    def __len__(self):
        return len(self.items())

    def add(self, structure, need=None):
        items = [item for item in self.items() if item["slug"] != structure.slug]
        if len(items) >= MAX_ITEMS:
            raise SelectionFull
        items.append({"slug": structure.slug, "need": need.slug if need else ""})
        self._save(items)

    def remove(self, slug):
        self._save([item for item in self.items() if item["slug"] != slug])

    def clear(self):
        self.session.pop(SESSION_KEY, None)

    def _save(self, items):
        self.session[SESSION_KEY] = items

    def entries(self):
        """[(structure, need or None)] in the order they were added; unpublished ones dropped."""
        items = self.items()
        if not items:
            return []
        structures = {
            s.slug: s
            for s in Structure.objects.published()
            .filter(slug__in=[item["slug"] for item in items])
            .with_card_data()
        }
        needs = {
            n.slug: n for n in Need.objects.filter(slug__in=[i["need"] for i in items if i["need"]])
        }
        return [
            (structures[i["slug"]], needs.get(i["need"])) for i in items if i["slug"] in structures
        ]
