import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_credit_code


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: "Region") -> "RegionQuerySet":
        return self.filter(path__startswith=region.path)


class Region(models.Model):
    """An administrative division: city → district/county/zone → town/street."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District / county / zone")
        TOWN = "town", _("Town / street")

    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        help_text=_("National code where one exists; functional zones use an internal code starting with 9."),
    )
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=255, editable=False)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="region_path_like", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """A city stands alone; a district sits under a city and a town under a district (or zone)."""
        super().clean()
        if self.level == self.Level.CITY:
            if self.parent_id:
                raise ValidationError({"parent": _("A city has no parent region; leave the parent empty.")})
            return
        if not self.parent_id:
            raise ValidationError(
                {"parent": _("Choose the region this %(level)s belongs to.") % {"level": self.get_level_display()}}
            )
        expected = self.Level.CITY if self.level == self.Level.DISTRICT else self.Level.DISTRICT
        if self.parent.level != expected:
            raise ValidationError(
                {
                    "parent": _("A %(level)s belongs to a %(parent)s.")
                    % {"level": self.get_level_display(), "parent": self.Level(expected).label}
                }
            )
        if self.pk and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("A region cannot sit under itself or one of its own regions.")})

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = self.compute_path()
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                for child in Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk).order_by("path"):
                    child.save(update_fields=["path"])

    def contains(self, other: "Region") -> bool:
        return other.path.startswith(self.path)


class Department(models.Model):
    """A government unit at some region that receives dispatched tasks."""

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="departments")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region__path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class OrgRevision(models.Model):
    """One row whose token changes with every change to a region or a department (or to a model the
    apps above have the listing watch: the requests' categories and SLA policies), in the same
    transaction: a process keeps their lists between requests and reads them again only when the token
    differs (portal/orgs/listing.py). Saves and deletes change it through signals; bulk writes call
    ``listing.changed()`` themselves."""

    key = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = _("organisation revision")
        verbose_name_plural = _("organisation revisions")

    def __str__(self) -> str:
        return str(self.token)


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    AGRICULTURE = "agriculture", _("Agriculture")
    CONSTRUCTION = "construction", _("Construction")
    ENERGY = "energy", _("Energy and utilities")
    IT = "it", _("Information technology")
    LOGISTICS = "logistics", _("Logistics")
    TRADE = "trade", _("Wholesale and retail")
    HOSPITALITY = "hospitality", _("Hotels and catering")
    FINANCE = "finance", _("Finance")
    REAL_ESTATE = "real_estate", _("Real estate")
    SERVICES = "services", _("Business services")
    HEALTH = "health", _("Health and medicine")
    CULTURE = "culture", _("Culture and tourism")
    OTHER = "other", _("Other")


class EnterpriseSize(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class Enterprise(models.Model):
    name = models.CharField(_("name"), max_length=200, db_index=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises")
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    size = models.CharField(_("size"), max_length=10, choices=EnterpriseSize.choices, default=EnterpriseSize.SMALL)
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        indexes = [models.Index(fields=["region", "industry"], name="enterprise_region_industry")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = (self.credit_code or "").strip().upper()
        super().save(*args, **kwargs)


class EnterpriseMembership(models.Model):
    """Which users act for which enterprise."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="enterprise_memberships",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="memberships"
    )
    title = models.CharField(_("position"), max_length=50, blank=True)
    is_manager = models.BooleanField(
        _("managing member"), default=False, help_text=_("May remove members who left; one per enterprise.")
    )

    class Meta:
        verbose_name = _("enterprise membership")
        verbose_name_plural = _("enterprise memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="enterprise_membership_unique"),
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(is_manager=True), name="enterprise_one_managing_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"


# the attributes of a user object where ``selectors.supervised_paths`` and ``selectors.handled_department_ids``
# keep what they read for the rest of a request (a page's rows, its filters and its row actions all ask)
SUPERVISED_PATHS = "_supervised_paths"
HANDLED_DEPARTMENTS = "_handled_department_ids"


class KeptOnUser:
    """A row of who does what (a scope, a membership) whose save or delete makes the user object it was given
    read its scope and departments again."""

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._forget_kept()

    def delete(self, *args, **kwargs):
        self._forget_kept()
        return super().delete(*args, **kwargs)

    def _forget_kept(self) -> None:
        user = self._state.fields_cache.get("user")
        if user is not None:
            for name in (SUPERVISED_PATHS, HANDLED_DEPARTMENTS):
                user.__dict__.pop(name, None)


class DepartmentMembership(KeptOnUser, models.Model):
    """A person's work unit: handlers receive its tasks, commissioners are counted under it."""

    class Kind(models.TextChoices):
        HANDLER = "handler", _("Handler")
        COMMISSIONER = "commissioner", _("Commissioner")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="department_memberships",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="memberships"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HANDLER)

    class Meta:
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "kind"], name="department_membership_unique")
        ]
        indexes = [models.Index(fields=["user", "kind"], name="dept_member_user_kind")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


class PairingQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Pairing(models.Model):
    """A commissioner paired with an enterprise, as primary (A角) or backup (B角)."""

    class Role(models.TextChoices):
        PRIMARY = "A", _("Primary (A)")
        BACKUP = "B", _("Backup (B)")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="pairings"
    )
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("commissioner"), on_delete=models.PROTECT, related_name="pairings"
    )
    role = models.CharField(_("role"), max_length=1, choices=Role.choices, default=Role.PRIMARY)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("commissioner pairing")
        verbose_name_plural = _("commissioner pairings")
        ordering = ["enterprise", "role"]
        indexes = [
            models.Index(fields=["commissioner", "ends_on"], name="pairing_commissioner"),
            models.Index(fields=["enterprise", "role"], name="pairing_enterprise_role"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="pairing_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} ↔ {self.commissioner} ({self.role})"


class SupervisorScope(KeptOnUser, models.Model):
    """A supervisor sees everything inside a region subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.CASCADE,
        related_name="supervisor_scopes",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("supervisor scope")
        verbose_name_plural = _("supervisor scopes")
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="supervisor_scope_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.region}"
