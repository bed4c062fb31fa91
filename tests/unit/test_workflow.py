"""Every status × action: the allowed ones lead where PG-REV-1 says, the rest are refused naming the
current status and what can be done instead."""

import pytest

from intake import workflow
from intake.errors import Conflict
from intake.models import STATUS_LABELS

ALL_ACTIONS = workflow.APPLICANT_ACTIONS | workflow.STAFF_ACTIONS
EXPECTED = {
    ("draft", "submit"): "pending_review",
    ("supplement_required", "resubmit"): "pending_review",
    ("pending_review", "approve"): "approved",
    ("pending_review", "request_supplement"): "supplement_required",
    ("pending_review", "reject"): "rejected",
}


@pytest.mark.rule("PG-REV-1")
@pytest.mark.parametrize("status", sorted(STATUS_LABELS))
@pytest.mark.parametrize("action", sorted(ALL_ACTIONS))
def test_pg_rev_1_every_status_and_action(status, action):
    actions = workflow.STAFF_ACTIONS if action in workflow.STAFF_ACTIONS else workflow.APPLICANT_ACTIONS
    if (status, action) in EXPECTED:
        assert workflow.target(status, action, actions) == EXPECTED[(status, action)]
        return
    with pytest.raises(Conflict) as refused:
        workflow.target(status, action, actions)
    details = refused.value.details
    assert details["status"] == status and details["action"] == action
    assert details["allowed_actions"] == workflow.allowed_actions(status, actions)
    assert STATUS_LABELS[status][0] in refused.value.message_zh and STATUS_LABELS[status][1] in refused.value.message_en


def test_applicants_cannot_take_staff_actions_and_staff_cannot_submit():
    with pytest.raises(Conflict):
        workflow.target("pending_review", "approve", workflow.APPLICANT_ACTIONS)
    with pytest.raises(Conflict):
        workflow.target("draft", "submit", workflow.STAFF_ACTIONS)


@pytest.mark.rule("PG-REV-1")
def test_pg_rev_1_applicant_facing_names():
    assert [STATUS_LABELS[s][0] for s in ("pending_review", "approved", "supplement_required", "rejected")] == [
        "待审核", "审核通过", "需补充材料", "审核未通过"]
