"""The entry forms are rendered by `plan_tags.entry_form_fields` (Python) rather than by
crispy-forms' templates, which were two thirds of an entry page's rendering: the markup must
stay crispy's bootstrap5 markup (classes, ids, labels, errors, help texts; Django adds
aria-invalid and aria-describedby), for every kind's form, empty, bound and refused."""

import re

import pytest
from django.template import engines

from indicators.forms import IndicatorResultForm
from indicators.models import Indicator
from plans.forms import MeasureAssessmentForm, OpinionResponseForm
from projects.forms import ProjectProgressForm
from projects.models import Project

INDICATOR = {"name": "地域活動への市民の参加割合", "unit": "%", "decimal_places": 1}
FORMS = {
    "indicator, refused value": lambda: IndicatorResultForm(
        data={"value": "abc", "analysis": "", "version": "0"}, target=Indicator(**INDICATOR)
    ),
    "indicator, version missing": lambda: IndicatorResultForm(
        data={"value": "45.3"}, target=Indicator(**INDICATOR)
    ),
    "indicator, empty": lambda: IndicatorResultForm(initial={}, target=Indicator(**INDICATOR)),
    "indicator, interim without its date": lambda: IndicatorResultForm(
        data={"value": "1", "version": "1", "is_interim": "on"}, target=Indicator(**INDICATOR)
    ),
    "project, empty": lambda: ProjectProgressForm(initial={}, target=Project(name="事業")),
    "project, refused amount": lambda: ProjectProgressForm(
        data={"budget_amount": "1O0", "grade": "Z", "version": "0"}, target=Project(name="事業")
    ),
    "measure, empty": lambda: MeasureAssessmentForm(initial={}, target=None),
    "response, bound": lambda: OpinionResponseForm(
        data={"response": "<b>対応</b> & 方針", "version": "2"}, target=None
    ),
}


def normalised(html):
    return re.sub(r"\s+", " ", re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html))).strip()


@pytest.mark.parametrize("name", FORMS)
def test_the_entry_forms_markup_is_crispy_forms_bootstrap5_markup(name):
    crispy = engines["django"].from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
    ours = engines["django"].from_string("{% load plan_tags %}{% entry_form_fields form %}")
    # A form each: crispy adds its classes to the form's widgets as it renders them.
    theirs_form, our_form = FORMS[name](), FORMS[name]()
    if our_form.is_bound:
        assert not theirs_form.is_valid() or name == "response, bound"
        our_form.is_valid()
    expected = normalised(crispy.render({"form": theirs_form}))
    rendered = normalised(ours.render({"form": our_form}))
    assert rendered == expected
    if our_form.errors:
        assert 'aria-invalid="true"' in rendered or "alert-danger" in rendered
    assert "<b>" not in rendered  # what was typed is escaped
