"""The administrators' Excel import of key projects: upload, dry run, confirm (projects/importing.py).

Same flow and guards as the enterprise import: the upload is checked and previewed without writing; the
file waits under a random token kept in the session until the administrator confirms, and is checked
again then, so data that changed in between is shown again instead of imported."""

import logging
import secrets

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from portal.orgs.admin import ImportUploadForm, _forget_old_uploads, _import_dir
from portal.orgs.importing import MAX_UPLOAD_BYTES, max_rows

from . import importing

logger = logging.getLogger(__name__)
SESSION_KEY = "project_import_token"
TEMPLATE = "admin/projects/project/import.html"


class ProjectImportMixin:
    """Adds 导入 to the project admin."""

    def get_urls(self):
        wrap = self._import_guard
        return [
            path("import/", wrap(self.import_view), name="projects_project_import"),
            path("import/template.xlsx", wrap(self.import_template_view), name="projects_project_import_template"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        user = request.user
        needed = ["projects.add_project", "projects.change_project", "projects.add_projectpairing"]
        return user.is_active and user.is_staff and user.has_perms(needed)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def _import_guard(self, view):
        @never_cache
        @csrf_protect
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not self.has_import_permission(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    def import_template_view(self, request):
        response = HttpResponse(
            importing.template_workbook(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = "attachment; filename=project-import-template.xlsx"
        return response

    def import_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import key projects"),
            "headers": importing.HEADERS,
            "required": importing.REQUIRED,
            "max_rows": max_rows(),
        }
        if request.method == "POST" and request.POST.get("step") == "confirm":
            return self._import_confirm(request, context)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", "文件超过 5 MB，请拆分后分批导入。")
            else:
                data = upload.read()
                try:
                    preview = importing.parse_workbook(data)
                except importing.ImportFileError as exc:
                    form.add_error("file", str(exc))
                else:
                    context.update(preview=preview, file_name=upload.name)
                    if preview.is_valid:
                        context["token"] = self._keep_upload(request, data, upload.name)
        context["form"] = form
        return TemplateResponse(request, TEMPLATE, context)

    def _keep_upload(self, request, data: bytes, name: str) -> str:
        directory = _import_dir()
        _forget_old_uploads(directory)
        token = secrets.token_urlsafe(24)
        (directory / f"{token}.xlsx").write_bytes(data)
        request.session[SESSION_KEY] = {"token": token, "name": name[:150]}
        return token

    def _import_confirm(self, request, context):
        kept = request.session.get(SESSION_KEY) or {}
        token = request.POST.get("token", "")
        expired = gettext("The uploaded file has expired. Upload it again.")
        if not token or not secrets.compare_digest(token, kept.get("token", "")):
            messages.error(request, expired)
            return redirect("admin:projects_project_import")
        file_path = _import_dir() / f"{kept['token']}.xlsx"
        try:
            data = file_path.read_bytes()
        except FileNotFoundError:
            request.session.pop(SESSION_KEY, None)
            messages.error(request, expired)
            return redirect("admin:projects_project_import")
        try:
            preview, error = importing.parse_workbook(data), None
        except importing.ImportFileError as exc:
            preview, error = None, str(exc)
        if preview is None or not preview.is_valid:
            context.update(form=ImportUploadForm(), preview=preview, file_name=kept.get("name", ""))
            if error:
                messages.error(request, error)
            return TemplateResponse(request, TEMPLATE, context)
        summary = importing.import_apply(
            preview=preview, actor=request.user, request=request, file_name=kept.get("name", "")
        )
        file_path.unlink(missing_ok=True)
        request.session.pop(SESSION_KEY, None)
        logger.info("project import by user %s: %s", request.user.pk, summary)
        messages.success(
            request,
            gettext("Import finished: %(created)d projects created, %(updated)d updated, %(paired)d pairings created.")
            % {"created": summary.created, "updated": summary.updated, "paired": summary.pairings_created},
        )
        return redirect("admin:projects_project_changelist")
