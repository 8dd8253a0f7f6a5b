"""Helpers shared by the partners tests: the POST a browser sends for a proposal form."""

import datetime

from django import forms

from partners.forms import ProposalForms


def _as_post(value):
    if value is None:
        return ""
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _fields(form, data):
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(bound.field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            data[bound.html_name] = [_as_post(item) for item in value or []]
        else:
            # As the widget writes it in the page (a list of dates as "15/12/2026, …").
            data[bound.html_name] = _as_post(bound.field.prepare_value(value))


def proposal_post(structure=None, **overrides):
    """The form as the partner received it (pre-filled), with `overrides` typed in.

    Keys are the form's HTML names: "phone", "horaires-0-opens", "needs"…
    """
    bundle = ProposalForms(structure=structure)
    data = {}
    _fields(bundle.form, data)
    _fields(bundle.note, data)
    for formset in bundle:
        _fields(formset.management_form, data)
        for form in formset.forms:
            _fields(form, data)
    data.update(overrides)
    return data
