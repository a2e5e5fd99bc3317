"""The administrators' Excel import of key projects (projects/importing.py), on the same upload, dry run
and confirm flow as the enterprise import (``portal.orgs.admin.ExcelImportMixin``)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.orgs.admin import ExcelImportMixin

from . import importing


class ProjectImportMixin(ExcelImportMixin):
    """Adds 导入 to the project admin."""

    import_module = importing
    import_permissions = ["projects.add_project", "projects.change_project", "projects.add_projectpairing"]
    import_title = _("Import key projects")
    import_template = "admin/projects/project/import.html"
    import_session_key = "project_import_token"
    import_template_filename = "project-import-template.xlsx"

    def import_success_message(self, summary) -> str:
        return gettext(
            "Import finished: %(created)d projects created, %(updated)d updated, %(paired)d pairings created."
        ) % {"created": summary.created, "updated": summary.updated, "paired": summary.pairings_created}
