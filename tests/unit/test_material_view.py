"""Which upload counts for a material, and what state the applicant sees."""

from datetime import UTC, datetime, timedelta

from intake.applications import build_view
from intake.checks import CheckResult, ImageFacts
from intake.findings import error
from intake.models import Applicant, Application, StoredObject, Upload
from intake.programs import load_catalogue

T0 = datetime(2023, 11, 2, 8, 0, tzinfo=UTC)
PROGRAM = load_catalogue().get("equiv-degree-2023")


def _app():
    return Application(id="01HEC8Z4T3M7Q9R2V5W8X0Y1Z6", program_id=PROGRAM.id,
                       applicant=Applicant(name="李华", phone="13800138000"), created_at=T0, updated_at=T0)


def _upload(upload_id, uploaded_at=None, ok=True, state=None):
    obj = None if uploaded_at is None else StoredObject(bucket="b", key="k", size=10, event_time=uploaded_at)
    result = None
    if state is None and obj is not None:
        findings = [] if ok else [error("image.dimensions_mismatch", "尺寸不符", "wrong size", "400x600", "390x567")]
        result = CheckResult(facts=ImageFacts(bytes=10), findings=findings)
        state = "passed" if ok else "failed"
    return Upload(application_id=_app().id, program_id=PROGRAM.id, material_id="id_photo", upload_id=upload_id,
                  key="k", content_type="image/jpeg", issued_at=T0, state=state or "issued", object=obj, result=result)


def _photo(uploads):
    return build_view(_app(), uploads, PROGRAM, today=T0.date()).materials[0]


def test_nothing_uploaded_is_missing():
    assert _photo([]).state == "missing"
    assert _photo([_upload("A")]).state == "missing"  # a URL issued, nothing arrived


def test_the_last_file_received_counts_whatever_order_results_arrive_in():
    first = _upload("A", T0 + timedelta(minutes=1), ok=False)
    second = _upload("B", T0 + timedelta(minutes=2), ok=True)
    for uploads in ([first, second], [second, first]):
        view = _photo(uploads)
        assert (view.state, view.latest.upload_id, view.previous_uploads) == ("passed", "B", 1)


def test_a_file_being_checked_shows_checking_and_failed_shows_findings():
    assert _photo([_upload("A", T0, state="checking")]).state == "checking"
    failed = _photo([_upload("A", T0, ok=False)])
    assert failed.state == "failed"
    assert failed.latest.findings[0].code == "image.dimensions_mismatch"


def test_object_order_prefers_the_sequencer_and_pads_it():
    a = StoredObject(bucket="b", key="k", size=1, event_time=T0, sequencer="9F")
    b = StoredObject(bucket="b", key="k", size=1, event_time=T0, sequencer="0100")
    assert a.order < b.order  # 0x9F < 0x100 once padded
    c = StoredObject(bucket="b", key="k", size=1, event_time=T0)
    d = StoredObject(bucket="b", key="k", size=1, event_time=T0 + timedelta(milliseconds=1))
    assert c.order < d.order
