from datetime import UTC, datetime, timedelta

from intake.ids import UploadKey, new_id


def test_ids_sort_by_creation_time_and_do_not_repeat():
    t0 = datetime(2023, 11, 4, 5, 59, 59, tzinfo=UTC)
    ids = [new_id(t0 + timedelta(milliseconds=i)) for i in range(50)]
    assert ids == sorted(ids)
    assert len(set(new_id(t0) for _ in range(1000))) == 1000
    assert all(len(i) == 26 for i in ids)


def test_upload_key_round_trip():
    key = UploadKey("pg-confirm-1104", new_id(datetime.now(UTC)), "id_photo", new_id(datetime.now(UTC)))
    assert UploadKey.parse(str(key)) == key
    assert str(key).startswith("uploads/pg-confirm-1104/")


def test_keys_this_system_did_not_issue_are_not_parsed():
    app, upload = new_id(datetime.now(UTC)), new_id(datetime.now(UTC))
    for key in [
        f"uploads/pg-confirm-1104/{app}/id_photo/{upload}.jpg",  # a file name appended
        f"uploads/pg-confirm-1104/{app}/id_photo/../{upload}",
        f"uploads/pg-confirm-1104/{app.lower()}/id_photo/{upload}",
        f"other/pg-confirm-1104/{app}/id_photo/{upload}",
        "uploads/my photo.jpg",
        "",
    ]:
        assert UploadKey.parse(key) is None, key
