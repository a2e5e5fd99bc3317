"""Writing audit events: the one place that knows how to describe who did what from where.

Two ways in:

- ``audit_record(action=..., ...)`` writes one event; services call it for what they decide
  (exports, cards, extensions, logins).
- ``track(Model, fields=[...])`` makes every create, change and delete of a model's listed fields
  (and of its many-to-many relations) write an event with the values before and after, wherever
  the change is made: admin, import, management command, shell. Each app registers its own models
  in its ``AppConfig.ready()``.

Who and from where come from the *audit context*: the web middleware sets it to the request (the
actor is the logged-in user, the address is ``client_ip(request)``), every management command to
its name (``command:seed_demo``), and ``audit_context()`` lets a service such as the Excel import
say what it is.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .clientip import client_ip
from .models import AuditEvent

# ---------------------------------------------------------------------------
# The audit context: who is acting, from which request, through which channel.


@dataclass(frozen=True)
class AuditContext:
    request: object = None
    actor: object = None
    via: str = ""

    def resolved_actor(self):
        actor = self.actor
        if actor is None and self.request is not None:
            actor = getattr(self.request, "user", None)
        if actor is not None and not getattr(actor, "is_authenticated", False):
            return None
        return actor


_NO_CONTEXT = AuditContext()
_context: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current_context() -> AuditContext:
    return _context.get() or _NO_CONTEXT


@contextlib.contextmanager
def audit_context(*, actor=None, request=None, via: str = ""):
    """Attribute every audit event written inside the block to ``actor``/``request`` and ``via``."""
    outer = current_context()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    token = _context.set(
        AuditContext(
            request=request if request is not None else outer.request,
            actor=actor if actor is not None else outer.actor,
            via=via or outer.via,
        )
    )
    try:
        yield
    finally:
        _context.reset(token)


class AuditContextMiddleware:
    """Every audit event written while answering a request names its user and client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = "admin" if request.path.startswith("/admin/") else "web"
        with audit_context(request=request, via=via):
            return self.get_response(request)


def audit_management_commands() -> None:
    """Run every management command (also ``shell`` and ``call_command``) in an audit context named after it."""
    from django.core.management.base import BaseCommand

    if getattr(BaseCommand.execute, "audited", False):
        return
    original = BaseCommand.execute

    @functools.wraps(original)
    def execute(self, *args, **options):
        with audit_context(via=f"command:{self.__module__.rsplit('.', 1)[-1]}"):
            return original(self, *args, **options)

    execute.audited = True
    BaseCommand.execute = execute


def audit_record(
    *,
    action: str,
    actor=None,
    request=None,
    target: str = "",
    detail: dict | None = None,
    username: str = "",
    changes: dict | None = None,
    object_repr: str = "",
    target_type: str = "",
    target_id: str = "",
) -> AuditEvent:
    """One append-only event. Without ``actor``/``request`` the current audit context supplies them."""
    context = current_context()
    if request is None:
        request = context.request
    if actor is None:
        actor = context.resolved_actor() if request is context.request else getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if not username:
        if actor is not None:
            username = actor.get_username()
        elif request is None and context.via.startswith("command:"):
            username = context.via
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        username=username[:150],
        ip_address=client_ip(request),
        target=target[:200],
        detail=detail or {},
        changes=changes or {},
        object_repr=object_repr[:200],
        target_type=target_type[:100],
        target_id=str(target_id)[:64],
        via=context.via[:100],
    )


# ---------------------------------------------------------------------------
# The registry of audited models.


@dataclass
class Tracked:
    model: type[models.Model]
    fields: list[str]
    m2m: list[str]
    action: str
    describe: Callable[[models.Model], str]
    snapshot: Callable[[models.Model], dict] | None
    passwords: bool
    relations: list[str] = field(default_factory=list)


_registry: dict[type[models.Model], Tracked] = {}


def tracked_models() -> dict[type[models.Model], Tracked]:
    return dict(_registry)


def track(
    model: type[models.Model],
    *,
    fields: Iterable[str],
    m2m: Iterable[str] = (),
    action: str = AuditEvent.Action.OTHER,
    describe: Callable[[models.Model], str] = str,
    snapshot: Callable[[models.Model], dict] | None = None,
    passwords: bool = False,
) -> None:
    """Audit every create, change and delete of ``model``'s ``fields`` and every change of its ``m2m`` relations.

    ``describe`` names the object in the log, ``snapshot`` replaces the default before/after view in the
    event's detail, and ``passwords=True`` records that the password changed (never its value).
    """
    entry = Tracked(
        model=model,
        fields=list(fields),
        m2m=list(m2m),
        action=action,
        describe=describe,
        snapshot=snapshot,
        passwords=passwords,
    )
    entry.relations = [name for name in entry.fields if model._meta.get_field(name).is_relation]
    _registry[model] = entry
    uid = f"audit:{model._meta.label}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}:pre_save", weak=False)
    post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}:post_save", weak=False)
    post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}:post_delete", weak=False)
    for name in entry.m2m:
        through = getattr(model, name).through
        m2m_changed.connect(
            functools.partial(_m2m_changed, entry=entry, name=name),
            sender=through,
            dispatch_uid=f"{uid}:{name}",
            weak=False,
        )


def _json(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _raw(entry: Tracked, instance) -> dict:
    """The comparable values: foreign keys by id, everything else as the model holds it."""
    return {name: getattr(instance, entry.model._meta.get_field(name).attname) for name in entry.fields}


def _shown(entry: Tracked, instance, name: str):
    model_field = entry.model._meta.get_field(name)
    value = getattr(instance, model_field.attname)
    if value is None:
        return None
    if model_field.is_relation:
        try:
            label = str(getattr(instance, name))
        except ObjectDoesNotExist:
            label = ""
        return {"id": value, "repr": label}
    if isinstance(model_field, models.DecimalField):
        return str(decimal.Decimal(value).quantize(decimal.Decimal(10) ** -model_field.decimal_places))
    return _json(value)


def _view(entry: Tracked, instance) -> dict:
    if entry.snapshot is not None:
        return entry.snapshot(instance)
    return {name: _shown(entry, instance, name) for name in entry.fields}


def _target(entry: Tracked, instance, pk) -> dict:
    try:
        name = entry.describe(instance)
    except ObjectDoesNotExist:
        name = f"#{pk}"
    return {
        "target": f"{entry.model._meta.model_name}:{pk} {name}",
        "object_repr": name,
        "target_type": entry.model._meta.label_lower,
        "target_id": str(pk),
    }


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    entry = _registry[sender]
    state = instance.__dict__
    state.pop("_audit_before", None)
    if instance.pk is None or instance._state.adding:
        return
    watched = {*entry.fields, *(["password"] if entry.passwords else [])}
    if update_fields is not None and not watched & set(update_fields):
        return
    old = sender._base_manager.select_related(*entry.relations).filter(pk=instance.pk).first()
    if old is not None:
        state["_audit_before"] = (old, _raw(entry, old), getattr(old, "password", None))


def _after_save(sender, instance, created=False, **kwargs):
    entry = _registry[sender]
    before = instance.__dict__.pop("_audit_before", None)
    if not created and before is None:
        return  # none of the audited fields was saved
    after_raw = _raw(entry, instance)
    if created:
        changes = {name: {"before": None, "after": _shown(entry, instance, name)} for name in entry.fields}
        audit_record(
            action=entry.action,
            changes=changes,
            detail={"before": None, "after": _view(entry, instance), "changed": list(entry.fields), "created": True},
            **_target(entry, instance, instance.pk),
        )
        return
    old, old_raw, old_password = before
    changed = [name for name in entry.fields if old_raw[name] != after_raw[name]]
    if changed:
        audit_record(
            action=entry.action,
            changes={
                name: {"before": _shown(entry, old, name), "after": _shown(entry, instance, name)} for name in changed
            },
            detail={"before": _view(entry, old), "after": _view(entry, instance), "changed": changed},
            **_target(entry, instance, instance.pk),
        )
    if entry.passwords and old_password != instance.password and not getattr(instance, "_audit_rehash", False):
        _record_password_change(entry, instance)


def _record_password_change(entry: Tracked, instance) -> None:
    context = current_context()
    actor = context.resolved_actor()
    if actor is not None:
        by = "user" if actor.pk == instance.pk else "administrator"
    elif context.via.startswith("command:"):
        by = "command"
    elif context.request is not None:
        by = "reset"
    else:
        by = "system"
    audit_record(
        action=AuditEvent.Action.PASSWORD_CHANGE,
        detail={"by": by, "usable": instance.has_usable_password()},
        **_target(entry, instance, instance.pk),
    )


def _after_delete(sender, instance, **kwargs):
    entry = _registry[sender]
    audit_record(
        action=entry.action,
        changes={name: {"before": _shown(entry, instance, name), "after": None} for name in entry.fields},
        detail={"before": _view(entry, instance), "after": None, "changed": list(entry.fields), "deleted": True},
        **_target(entry, instance, instance.pk),
    )


def _related_labels(owner, name: str) -> list[str]:
    return sorted(str(item) for item in getattr(owner, name).all())


def _m2m_owners(entry: Tracked, name: str, instance, reverse: bool, pk_set) -> list:
    if not reverse:
        return [instance]
    owners = entry.model._base_manager.filter(**{name: instance})
    if pk_set is not None:
        owners = entry.model._base_manager.filter(pk__in=pk_set)
    return list(owners)


def _m2m_changed(sender, instance, action, reverse, model, pk_set, *, entry: Tracked, name: str, **kwargs):
    pending = instance.__dict__.setdefault("_audit_m2m", {})
    if action in ("pre_add", "pre_remove", "pre_clear"):
        owners = _m2m_owners(entry, name, instance, reverse, pk_set)
        pending[name] = [(owner, _related_labels(owner, name)) for owner in owners]
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    for owner, before in pending.pop(name, []):
        after = _related_labels(owner, name)
        if before == after:
            continue
        audit_record(
            action=entry.action,
            changes={name: {"before": before, "after": after}},
            detail={"before": {name: before}, "after": {name: after}, "changed": [name]},
            **_target(entry, owner, owner.pk),
        )
