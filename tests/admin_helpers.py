"""Posting the structure admin's change form as a browser does."""

# The inline formsets of the structure's change page (StructureAdmin.inlines).
STRUCTURE_INLINES = [
    "opening_slots",
    "opening_exceptions",
    "actors",
    "hosted_permanences",
    "services",
    "sources",
]


def admin_post_data(response):
    """What the browser posts back from an admin change form, untouched."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or name in {"last_verified_at"}:
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(item, "pk", item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


def empty_inlines():
    """Management data for every inline of the structure page, with no row in any."""
    data = {}
    for prefix in STRUCTURE_INLINES:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data
