from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.orgs.models import Enterprise, Region


class Project(models.Model):
    """A key investment project with its commissioners; requests may be raised for it."""

    class Stage(models.TextChoices):
        NEGOTIATING = "negotiating", _("Negotiating")
        SIGNED = "signed", _("Signed")
        APPROVED = "approved", _("Approved")
        STARTED = "started", _("Construction started")
        OPERATING = "operating", _("In operation")
        COMPLETED = "completed", _("Completed")

    class Level(models.TextChoices):
        PROVINCE = "province", _("Provincial key project")
        CITY = "city", _("City key project")
        COUNTY = "county", _("County key project")

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="projects")
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.NEGOTIATING)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.CITY)
    total_investment = models.DecimalField(_("total investment (10k yuan)"), max_digits=14, decimal_places=2, default=0)
    planned_investment = models.DecimalField(
        _("planned investment this year (10k yuan)"), max_digits=14, decimal_places=2, default=0
    )
    completed_investment = models.DecimalField(
        _("completed investment this year (10k yuan)"), max_digits=14, decimal_places=2, default=0
    )
    leader = models.CharField(_("responsible leader"), max_length=50, blank=True)
    commissioners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("commissioners"), blank=True, related_name="projects"
    )

    class Meta:
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
