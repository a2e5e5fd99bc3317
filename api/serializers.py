"""The API's bodies, in and out. Names follow Open311 GeoReport v2 where it has one (service_code,
service_request_id, status open/closed, requested_datetime, agency_responsible)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from issues.models import Verdict

RECEIVED_WITHIN_DAYS = 30  # a work order received longer ago would start its 133 clock already overdue
CHANNELS = [("phone", _("Phone")), ("web", _("Web")), ("app", _("App")), ("wechat", _("WeChat")), ("other", _("Other"))]


class WorkOrderIn(serializers.Serializer):
    work_order_number = serializers.RegexField(r"^[A-Za-z0-9-]{1,40}$", max_length=40)
    channel = serializers.ChoiceField(choices=CHANNELS, default="phone")
    received_at = serializers.DateTimeField(required=False)
    caller_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    caller_mobile = serializers.RegexField(r"^\+?[0-9-]{5,20}$", required=False, allow_blank=True, default="")
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    enterprise_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    region_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    service_code = serializers.SlugField(max_length=30)
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def validate_received_at(self, value):
        now = timezone.now()
        if value > now + timedelta(minutes=5):
            raise serializers.ValidationError(_("The time received lies in the future."), code="future")
        if value < now - timedelta(days=RECEIVED_WITHIN_DAYS):
            raise serializers.ValidationError(
                _("The time received is more than %(days)d days ago; file older work orders by hand.")
                % {"days": RECEIVED_WITHIN_DAYS},
                code="too_old",
            )
        return value

    def validate(self, attrs):
        if not attrs.get("credit_code") and not attrs.get("enterprise_name"):
            raise serializers.ValidationError(
                {"credit_code": _("Give the enterprise's credit code, or its name when the code is unknown.")},
                code="required",
            )
        return attrs


class ReturnVisitIn(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ErrorItem(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorOut(serializers.Serializer):
    errors = ErrorItem(many=True)


class ServiceOut(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    service_name_en = serializers.CharField()


class DepartmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region_code = serializers.CharField()
    region_name = serializers.CharField()


class DeadlinesOut(serializers.Serializer):
    dispatch_due_at = serializers.DateTimeField()
    dispatched_at = serializers.DateTimeField(allow_null=True)
    dispatched_on_time = serializers.BooleanField(allow_null=True)
    answer_due_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answered_on_time = serializers.BooleanField(allow_null=True)


class AnswerOut(serializers.Serializer):
    outcome = serializers.CharField()
    outcome_label = serializers.CharField()
    text = serializers.CharField()
    answered_at = serializers.DateTimeField()


class EvaluationOut(serializers.Serializer):
    verdict = serializers.CharField()
    verdict_label = serializers.CharField()
    score = serializers.IntegerField()
    comment = serializers.CharField(allow_blank=True)
    source = serializers.CharField()
    evaluated_at = serializers.DateTimeField()


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    label = serializers.CharField()
    from_state = serializers.CharField(allow_blank=True)
    state = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()
    comment = serializers.CharField(allow_blank=True)


class EnterpriseOut(serializers.Serializer):
    name = serializers.CharField()
    credit_code = serializers.CharField()


class CallerOut(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    mobile = serializers.CharField(allow_blank=True)


class RequestOut(serializers.Serializer):
    service_request_id = serializers.IntegerField()
    reference = serializers.CharField()
    work_order_number = serializers.CharField(allow_blank=True)
    channel = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=[("open", "open"), ("closed", "closed")])
    state = serializers.CharField()
    state_label = serializers.CharField()
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    enterprise = EnterpriseOut()
    caller = CallerOut()
    agency_responsible = serializers.CharField(allow_blank=True)
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    deadlines = DeadlinesOut()
    answer = AnswerOut(allow_null=True)
    evaluation = EvaluationOut(allow_null=True)
    events = EventOut(many=True)


class UnmatchedOut(serializers.Serializer):
    work_order_number = serializers.CharField()
    status = serializers.ChoiceField(choices=[("unmatched", "unmatched")])
    region_code = serializers.CharField()
    message = serializers.CharField()


class ChangeOut(serializers.Serializer):
    cursor = serializers.IntegerField()
    event = EventOut()
    request = RequestOut()


class ChangesOut(serializers.Serializer):
    changes = ChangeOut(many=True)
    next_cursor = serializers.IntegerField()
