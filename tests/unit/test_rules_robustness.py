"""Whatever an applicant sends, assessing it gives findings, never an exception: a stored profile that made
assessment raise would break every later read of that application."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.programs import load_catalogue
from intake.rules.assessment import assess

PROGRAMS = list(load_catalogue())
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def profiles(draw):
    program = draw(st.sampled_from(PROGRAMS))
    field_ids = [f.id for f in program.profile] + ["unknown_field"]
    answers = draw(st.dictionaries(st.sampled_from(field_ids), JSON, max_size=len(field_ids)))
    return program, answers


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles(), st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))
def test_any_json_profile_is_assessed_without_raising(case, today):
    program, answers = case
    result = assess(program, answers, today=today, previous=answers)
    assert result.profile_valid is (not result.invalid_fields and not result.missing_fields)
    for finding in result.invalid_fields:
        assert finding.message_zh and finding.message_en
