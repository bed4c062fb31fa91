"""The intake table: key shapes, item mapping and every DynamoDB call. Nothing else touches the table.

Single-table layout (all keys strings):
    application  PK=APP#<id>  SK=APP                         GSI1PK=PROGRAM#<program>#STATUS#<status>
    upload       PK=APP#<id>  SK=UPLOAD#<material>#<upload>  expires_at (TTL) until its object arrives
    event        PK=APP#<id>  SK=EVENT#<time>#<version>      one per status change (who, when, from, to, why)
GSI1 (program+status, by time entered the status) serves the staff queue; GSI2 (owner) an applicant's list.

The profile is stored as a JSON string (`profile_json`): exactly what was entered, whatever its types.

One Query on PK returns an application with all its uploads. Every write is conditional.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from intake.checks.models import CheckResult
from intake.errors import Conflict, LimitReached, NotFound
from intake.models import STATUS_LABELS, Application, HistoryEvent, StoredObject, Upload
from intake.ports import QueueFilter

UNCLAIMED_UPLOAD_TTL = timedelta(days=2)
"""An issued upload whose object never arrives is forgotten after this long."""


def _app_pk(application_id: str) -> str:
    return f"APP#{application_id}"


def _upload_sk(material_id: str, upload_id: str) -> str:
    return f"UPLOAD#{material_id}#{upload_id}"


def _status_key(program_id: str, status: str) -> str:
    return f"PROGRAM#{program_id}#STATUS#{status}"


def _conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in {"ConditionalCheckFailedException",
                                                         "TransactionCanceledException"}


def conditional_update(table: Any, **request: Any) -> bool:
    """UpdateItem with a ConditionExpression: True when written, False when the condition did not hold.
    Any other failure is raised."""
    try:
        table.update_item(**request)
    except ClientError as exc:
        if _conditional_failure(exc):
            return False
        raise
    return True


class IntakeStore:
    """Data access for applications and uploads. `table` is a boto3 DynamoDB Table resource."""

    def __init__(self, table: Any) -> None:
        self._table = table

    # ------------------------------------------------------------------ applications
    def create_application(self, app: Application) -> None:
        try:
            self._table.put_item(Item=self.application_item(app), ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if _conditional_failure(exc):
                raise Conflict("申请编号重复，请重试", "application id already exists, retry",
                               code="application.exists") from exc
            raise

    @staticmethod
    def application_item(app: Application) -> dict[str, Any]:
        """The item an application is stored as (also used to load many at once in bulk tools)."""
        since = (app.status_since or app.created_at).isoformat()
        return {
            "PK": _app_pk(app.id),
            "SK": "APP",
            "type": "application",
            "GSI1PK": _status_key(app.program_id, app.status),
            "GSI1SK": f"{since}#{app.id}",
            **({"GSI2PK": f"OWNER#{app.owner}", "GSI2SK": app.created_at.isoformat()} if app.owner else {}),
            **app.model_dump(mode="json", exclude={"profile"}, exclude_none=True),
            "profile_json": json.dumps(app.profile, ensure_ascii=False),
        }

    def load_application(self, application_id: str) -> tuple[Application, list[Upload]]:
        """The application and every upload issued for it, in one paginated Query."""
        items = self._query_all({"KeyConditionExpression": "PK = :pk",
                                 "ExpressionAttributeValues": {":pk": _app_pk(application_id)}})
        app_items = [i for i in items if i.get("SK") == "APP"]
        if not app_items:
            raise NotFound(f"申请 {application_id} 不存在", f"application {application_id} not found",
                           code="application.not_found")
        return self._to_application(app_items[0]), [self._to_upload(i) for i in items if i.get("type") == "upload"]

    def save_profile(self, app: Application, profile: dict[str, Any], *, editable_statuses: Iterable[str],
                     now: datetime) -> Application:
        """Replace the profile while the application is still editable; returns the application as saved."""
        statuses = sorted(editable_statuses)
        status_values = {f":st{i}": s for i, s in enumerate(statuses)}
        try:
            item = self._table.update_item(
                Key={"PK": _app_pk(app.id), "SK": "APP"},
                UpdateExpression="SET profile_json = :profile, updated_at = :now, version = version + :one",
                ConditionExpression=f"attribute_exists(PK) AND #status IN ({', '.join(status_values)})",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":profile": json.dumps(profile, ensure_ascii=False),
                                           ":now": now.isoformat(), ":one": 1, **status_values},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if _conditional_failure(exc):
                self._refuse_in_status(app.id, "不能修改资料", "the profile can no longer be changed")
            raise
        return self._to_application(item)

    def change_status(self, app: Application, to: str, *, action: str, actor: str, role: str, now: datetime,
                      reason: str = "", notes: dict[str, str] | None = None,
                      changes: dict[str, Any] | None = None, reload: bool = True) -> Application:
        """Move `app` from the status it was read in to `to`, only if nobody changed it since (same version),
        and record the change as an immutable event, in one transaction. `changes` are further attributes
        set with it (the decision, supplement notes...). The loser of a race gets 409 with the current state."""
        values: dict[str, Any] = {**(changes or {}), "status": to, "status_since": now.isoformat(),
                                  "updated_at": now.isoformat(), "GSI1PK": _status_key(app.program_id, to),
                                  "GSI1SK": f"{now.isoformat()}#{app.id}"}
        names = {f"#a{i}": k for i, k in enumerate(values)}
        sets = ", ".join(f"#a{i} = :a{i}" for i in range(len(values)))
        event = {"PK": _app_pk(app.id), "SK": f"EVENT#{now.isoformat()}#{app.version + 1:06d}", "type": "event",
                 "at": now.isoformat(), "action": action, "from_status": app.status, "to_status": to,
                 "actor": actor, "actor_role": role, "reason": reason, "notes": notes or {}}
        client = self._table.meta.client
        try:
            client.transact_write_items(TransactItems=[
                {"Update": {
                    "TableName": self._table.name,
                    "Key": {"PK": _app_pk(app.id), "SK": "APP"},
                    "UpdateExpression": f"SET {sets}, version = version + :one",
                    "ConditionExpression": "#status = :from AND version = :version",
                    "ExpressionAttributeNames": {**names, "#status": "status"},
                    "ExpressionAttributeValues": {**{f":a{i}": v for i, v in enumerate(values.values())},
                                                  ":from": app.status, ":version": app.version, ":one": 1},
                }},
                {"Put": {"TableName": self._table.name, "Item": event,
                         "ConditionExpression": "attribute_not_exists(PK)"}},
            ])
        except ClientError as exc:
            if _conditional_failure(exc):
                self._refuse_in_status(app.id, "已被他人处理，请刷新后查看", "somebody changed it first; reload it")
            raise
        if not reload:  # a batch caller that does not need the result saves a read per application
            return app
        current, _ = self.load_application(app.id)
        return current

    def history(self, application_id: str) -> list[HistoryEvent]:
        items = self._query_all({"KeyConditionExpression": "PK = :pk AND begins_with(SK, :e)",
                                 "ExpressionAttributeValues": {":pk": _app_pk(application_id), ":e": "EVENT#"}})
        return [HistoryEvent.model_validate(i) for i in items]

    def queue(self, program_id: str, status: str, *, limit: int, cursor: dict[str, Any] | None = None,
              entered_before: datetime | None = None,
              clean_only: bool = False, filters: QueueFilter | None = None,
              ) -> tuple[list[Application], dict[str, Any] | None]:
        """Applications of a program in a status, longest waiting first: one Query on GSI1, one page.

        Filters narrow the page after it is read (DynamoDB's filter expressions), so a page may hold fewer
        than `limit` items and still have a next one."""
        key = "GSI1PK = :pk" + (" AND GSI1SK < :before" if entered_before else "")
        values: dict[str, Any] = {":pk": _status_key(program_id, status)}
        if entered_before:
            values[":before"] = entered_before.isoformat()
        kwargs: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": key, "Limit": limit,
                                  "ExpressionAttributeValues": values, "ScanIndexForward": True}
        conditions, names = [], {}
        if clean_only:
            conditions.append("checks_clean = :clean")
            values[":clean"] = True
        if filters and filters.finding:
            conditions.append("contains(finding_codes, :finding)")
            values[":finding"] = filters.finding
        if filters and filters.category:
            conditions.append("contains(categories, :category)")
            values[":category"] = filters.category
        if filters and filters.text:
            # an application id exactly, or a part of the applicant's name
            conditions.append("(id = :text OR contains(applicant.#name, :text))")
            values[":text"] = filters.text
            names["#name"] = "name"
        if conditions:
            kwargs["FilterExpression"] = " AND ".join(conditions)
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self._table.query(**kwargs)
        return [self._to_application(i) for i in page.get("Items", [])], page.get("LastEvaluatedKey")

    def count(self, program_id: str, status: str) -> int:
        total, kwargs = 0, {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :pk", "Select": "COUNT",
                            "ExpressionAttributeValues": {":pk": _status_key(program_id, status)}}
        while True:
            page = self._table.query(**kwargs)
            total += page.get("Count", 0)
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def owned_by(self, owner: str) -> list[Application]:
        """An applicant's own applications, newest first: a Query on GSI2."""
        items = self._query_all({"IndexName": "GSI2", "KeyConditionExpression": "GSI2PK = :pk",
                                 "ExpressionAttributeValues": {":pk": f"OWNER#{owner}"}, "ScanIndexForward": False})
        return [self._to_application(i) for i in items]

    def _query_all(self, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self._table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def _refuse_in_status(self, application_id: str, zh: str, en: str) -> None:
        current, _ = self.load_application(application_id)  # raises NotFound
        label_zh, label_en = STATUS_LABELS[current.status]
        decided = current.decision.model_dump(mode="json", exclude={"by"}) if current.decision else None
        raise Conflict(f"申请当前状态为“{label_zh}”，{zh}", f"the application is {label_en}: {en}",
                       code="application.status", status=current.status, version=current.version,
                       decision=decided)

    # ------------------------------------------------------------------ uploads
    def issue_upload(self, upload: Upload, *, allowed_statuses: Iterable[str], max_uploads: int,
                     now: datetime) -> None:
        """Count the upload against the application and record it, atomically; refuse when the
        application does not exist, is not in an uploadable status, or has used up its uploads."""
        statuses = sorted(allowed_statuses)
        status_values = {f":st{i}": s for i, s in enumerate(statuses)}
        client = self._table.meta.client
        try:
            client.transact_write_items(TransactItems=[
                {"Update": {
                    "TableName": self._table.name,
                    "Key": {"PK": _app_pk(upload.application_id), "SK": "APP"},
                    "UpdateExpression": "SET upload_count = upload_count + :one, updated_at = :now",
                    "ConditionExpression": (
                        f"attribute_exists(PK) AND #status IN ({', '.join(status_values)}) "
                        "AND upload_count < :max"
                    ),
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":one": 1, ":now": now.isoformat(), ":max": max_uploads,
                                                  **status_values},
                }},
                {"Put": {
                    "TableName": self._table.name,
                    "Item": {
                        "PK": _app_pk(upload.application_id),
                        "SK": _upload_sk(upload.material_id, upload.upload_id),
                        "type": "upload",
                        "expires_at": int((now + UNCLAIMED_UPLOAD_TTL).timestamp()),
                        **upload.model_dump(mode="json", exclude_none=True),
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }},
            ])
        except ClientError as exc:
            if not _conditional_failure(exc):
                raise
            self._explain_refused_issue(upload.application_id, statuses, max_uploads)
            raise

    def _explain_refused_issue(self, application_id: str, statuses: list[str], max_uploads: int) -> None:
        app, _ = self.load_application(application_id)  # raises NotFound
        if app.status not in statuses:
            self._refuse_in_status(application_id, "不能上传材料", "uploads are closed")
        if app.upload_count >= max_uploads:
            raise LimitReached(f"本申请已上传 {app.upload_count} 次，达到上限 {max_uploads} 次",
                               f"{app.upload_count} uploads used, limit {max_uploads}",
                               code="upload.limit_reached", measured=app.upload_count, limit=max_uploads)

    def get_upload(self, application_id: str, material_id: str, upload_id: str) -> Upload | None:
        item = self._table.get_item(
            Key={"PK": _app_pk(application_id), "SK": _upload_sk(material_id, upload_id)},
            ConsistentRead=True,
        ).get("Item")
        return self._to_upload(item) if item else None

    def begin_check(self, upload: Upload, obj: StoredObject) -> bool:
        """Claim this object for checking. False when it is a duplicate of an event already recorded,
        or older than an object already seen under the same key (S3 delivers at least once, unordered).
        A claim left in `checking` by a crashed run can be claimed again by the same object, and so can one left in
        `inspecting`, whose request for inspection may not have been sent."""
        return conditional_update(
            self._table,
            Key={"PK": _app_pk(upload.application_id), "SK": _upload_sk(upload.material_id, upload.upload_id)},
            UpdateExpression=("SET #state = :checking, #object = :object, object_order = :order "
                              "REMOVE expires_at, #result, checked_at"),
            ConditionExpression=("attribute_exists(PK) AND (attribute_not_exists(object_order) "
                                 "OR object_order < :order "
                                 "OR (object_order = :order AND #state IN (:checking, :inspecting)))"),
            ExpressionAttributeNames={"#state": "state", "#object": "object", "#result": "result"},
            ExpressionAttributeValues={":checking": "checking", ":inspecting": "inspecting", ":order": obj.order,
                                       ":object": obj.model_dump(mode="json", exclude_none=True)},
        )

    def record_result(self, upload: Upload, obj: StoredObject, result: CheckResult, now: datetime, *,
                      inspecting: bool = False) -> bool:
        """Store the verdict of the file checks, unless a newer object under the same key has been claimed
        meanwhile. `inspecting`: the file passed and now waits for its vision checks (record_inspection)."""
        return self._record(upload, obj.order, result, now, expected="checking",
                            state="inspecting" if inspecting else None)

    def record_inspection(self, upload: Upload, order: str, result: CheckResult, now: datetime) -> bool:
        """Store the verdict with the inspection's findings, if the upload still waits for it on that object."""
        return self._record(upload, order, result, now, expected="inspecting")

    def _record(self, upload: Upload, order: str, result: CheckResult, now: datetime, *, expected: str,
                state: str | None = None) -> bool:
        return conditional_update(
            self._table,
            Key={"PK": _app_pk(upload.application_id), "SK": _upload_sk(upload.material_id, upload.upload_id)},
            UpdateExpression="SET #state = :state, #result = :result, checked_at = :now",
            ConditionExpression="object_order = :order AND #state = :expected",
            ExpressionAttributeNames={"#state": "state", "#result": "result"},
            ExpressionAttributeValues={
                ":state": state or ("passed" if result.ok else "failed"),
                ":result": result.model_dump_json(),
                ":now": now.isoformat(),
                ":order": order,
                ":expected": expected,
            },
        )

    @staticmethod
    def _to_application(item: dict[str, Any]) -> Application:
        data = dict(item)
        data["profile"] = json.loads(data.pop("profile_json", None) or "{}")
        return Application.model_validate(data)

    @staticmethod
    def _to_upload(item: dict[str, Any]) -> Upload:
        data = dict(item)
        if isinstance(data.get("result"), str):
            data["result"] = json.loads(data["result"])
        return Upload.model_validate(data)
