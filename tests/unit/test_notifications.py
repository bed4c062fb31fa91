"""The SMS texts for each decision (X-NOTIFY-1): Chinese, naming the program and the result in PG-REV-1's words,
saying what to do next, within the length bound."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from intake.models import STATUS_LABELS, Application
from intake.notifications import MAX_SMS_CHARS, NOTIFIED_ACTIONS, compose_sms
from intake.programs import load_catalogue

NOW = datetime(2022, 11, 2, 6, 15, tzinfo=UTC)
SC = load_catalogue().get("score-cert-return")
PG = load_catalogue().get("pg-confirm-1104")
CG = load_catalogue().get("cadre-grad-2023")
CERTIFICATE = "score_certificate"
SEAL_NOTE = "印章不清晰，请重新扫描 / the seal is illegible"


def application(program, status="pending_review"):
    return Application(id="01HE8K3Z7Q4V2N6M9R5T1W0XYA", program_id=program.id, status=status,
                       applicant={"name": "陈静", "phone": "13800138000"}, created_at=NOW, updated_at=NOW)


def event(action, *, from_status="pending_review", to_status="", reason="", notes=None):
    return {"PK": "APP#01HE8K3Z7Q4V2N6M9R5T1W0XYA", "SK": f"EVENT#{NOW.isoformat()}#000004", "type": "event",
            "at": NOW.isoformat(), "action": action, "from_status": from_status, "to_status": to_status,
            "actor": "0a1b2c3d-reviewer-1", "actor_role": "reviewer", "reason": reason, "notes": notes or {}}


def text_of(ev, program=SC, **kwargs):
    sms = compose_sms(ev, application(program), program, **kwargs)
    assert sms is not None
    assert sms.phone == "13800138000" and sms.e164 == "+8613800138000"
    assert sms.text.startswith("【intake】")
    assert len(sms.text) <= MAX_SMS_CHARS
    return sms.text


@pytest.mark.rule("X-NOTIFY-1")
@pytest.mark.rule("SC-REV-1")
@pytest.mark.rule("PG-REV-1")
def test_approval_says_approved_and_confirmation_complete():
    text = text_of(event("approve", to_status="approved"))
    assert text == ("【intake】您的“外省返京考生高中学业水平考试成绩认定”申请已审核通过，确认完成，无需再提交材料。"
                    "请登录系统查看结果及后续安排。")
    assert STATUS_LABELS["approved"][0] == "审核通过"


@pytest.mark.rule("X-NOTIFY-1")
@pytest.mark.rule("SC-REV-1")
@pytest.mark.rule("PG-REV-1")
def test_a_supplement_request_names_each_material_with_the_reviewers_note_and_says_to_resubmit():
    text = text_of(event("request_supplement", to_status="supplement_required", notes={CERTIFICATE: SEAL_NOTE}))
    assert text == ("【intake】您的“外省返京考生高中学业水平考试成绩认定”申请需补充材料："
                    f"加盖省级主管部门公章的学业水平考试成绩证明：{SEAL_NOTE}。"
                    "请尽快登录系统，按审核意见重新上传上述材料并再次提交。")


@pytest.mark.rule("X-NOTIFY-1")
def test_several_notes_follow_the_programs_order_of_materials():
    notes = {"appointment_documents": "缺少落款页", "id_photo": "背景不是白色"}
    text = text_of(event("request_supplement", to_status="supplement_required", notes=notes), program=CG)
    assert "个人证件照：背景不是白色；任职文件（首页、考生姓名页、落款页）：缺少落款页。" in text
    assert "2023年在职干部研究生报名" in text


@pytest.mark.rule("X-NOTIFY-1")
def test_a_supplement_request_without_notes_still_says_what_to_do():
    text = text_of(event("request_supplement", to_status="supplement_required", notes={CERTIFICATE: "  "}))
    assert "需补充材料。请尽快登录系统查看审核意见，重新上传材料并再次提交。" in text


@pytest.mark.rule("X-NOTIFY-1")
@pytest.mark.rule("SC-REV-1")
@pytest.mark.rule("PG-REV-1")
def test_a_rejection_gives_the_reason():
    text = text_of(event("reject", to_status="rejected", reason="成绩证明未加盖省级主管部门公章"), program=PG)
    assert text == ("【intake】您的“2024年全国硕士研究生招生考试网上确认（1104北京交通大学考点）”申请审核未通过，"
                    "原因：成绩证明未加盖省级主管部门公章。详情请登录系统查看。")


@pytest.mark.rule("X-NOTIFY-1")
@pytest.mark.parametrize(("action", "from_status", "to_status", "says"), [
    ("expire", "supplement_required", "rejected", "未在规定时间内补充材料，审核未通过。"),
    ("expire", "draft", "expired", "未在截止时间前提交，已过期。"),
    ("abandon", "draft", "abandoned", "未在规定时间内上传材料，视为放弃。"),
])
def test_deadline_outcomes_are_texted_too(action, from_status, to_status, says):
    text = text_of(event(action, from_status=from_status, to_status=to_status), program=CG)
    assert text == f"【intake】您的“2023年在职干部研究生报名”申请{says}详情请登录系统查看。"


@pytest.mark.rule("X-NOTIFY-1")
@pytest.mark.parametrize("action", ["submit", "resubmit", "something_new"])
def test_the_applicants_own_actions_text_nobody(action):
    assert compose_sms(event(action, to_status="pending_review"), application(SC), SC) is None
    assert action not in NOTIFIED_ACTIONS


@pytest.mark.rule("X-NOTIFY-1")
def test_a_long_reason_is_shortened_to_fit_and_keeps_the_closing():
    reason = "材料不符合要求" * 80
    text = text_of(event("reject", to_status="rejected", reason=reason))
    assert len(text) == MAX_SMS_CHARS
    assert "原因：材料不符合要求" in text and text.endswith("…。详情请登录系统查看。")


@pytest.mark.rule("X-NOTIFY-1")
def test_long_notes_are_shortened_but_every_material_is_still_named():
    notes = {"id_photo": "太暗", "id_card_front": "这是一条很长的审核意见" * 20, "bachelor_diploma": "反光" * 100}
    text = text_of(event("request_supplement", to_status="supplement_required", notes=notes), program=CG)
    assert len(text) == MAX_SMS_CHARS
    assert "个人证件照：太暗；" in text  # a short note is kept whole
    assert "身份证（人像面）：这是一条很长的" in text and "本科毕业证书：反光反光" in text
    assert text.count("…") == 2
    assert text.endswith("。请尽快登录系统，按审核意见重新上传上述材料并再次提交。")


@pytest.mark.rule("X-NOTIFY-1")
def test_with_notes_on_every_material_of_a_long_list_at_least_the_names_fit():
    notes = {m.id: "请按要求重新上传清晰完整的材料" * 5 for m in PG.materials}
    text = text_of(event("request_supplement", to_status="supplement_required", notes=notes), program=PG)
    assert len(text) <= MAX_SMS_CHARS
    assert text.count("本人近期免冠彩色证件照（准考证照片）") == 1
    assert text.endswith("按审核意见重新上传上述材料并再次提交。")


def test_notes_cannot_fake_a_signature_or_break_lines():
    text = text_of(event("request_supplement", to_status="supplement_required",
                         notes={CERTIFICATE: "【教育考试院】\n请拨打\t400-000"}))
    assert text.count("【") == 1 and "\n" not in text and "[教育考试院] 请拨打 400-000" in text


def test_the_signature_comes_from_the_sender_id():
    sms = compose_sms(event("approve", to_status="approved"), application(SC), SC, signature="BJEEA")
    assert sms is not None and sms.text.startswith("【BJEEA】您的“")


@pytest.mark.rule("X-NOTIFY-1")
@pytest.mark.parametrize("deadline", [
    datetime(2022, 11, 4, 8, 0, tzinfo=UTC),
    datetime(2022, 11, 4, 16, 0, tzinfo=timezone(timedelta(hours=8))),
])
def test_a_deadline_is_shown_in_beijing_time(deadline):
    text = text_of(event("request_supplement", to_status="supplement_required", notes={CERTIFICATE: SEAL_NOTE}),
                   deadline=deadline)
    assert "请于11月4日16:00前登录系统，按审核意见重新上传上述材料并再次提交，逾期未提交视为审核未通过。" in text


def test_a_deadline_just_before_midnight_utc_is_the_next_day_in_beijing():
    text = text_of(event("request_supplement", notes={CERTIFICATE: SEAL_NOTE}),
                   deadline=datetime(2022, 11, 3, 23, 30, tzinfo=UTC))
    assert "请于11月4日07:30前" in text


def test_a_deadline_means_nothing_for_an_approval_and_must_be_timezone_aware():
    assert "月" not in text_of(event("approve", to_status="approved"), deadline=datetime(2022, 11, 4, 8, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        compose_sms(event("approve"), application(SC), SC, deadline=datetime(2022, 11, 4, 8))


def test_a_note_for_a_material_the_program_no_longer_lists_is_named_by_its_id():
    text = text_of(event("request_supplement", notes={"old_material": "请重新上传"}))
    assert "old_material：请重新上传" in text
