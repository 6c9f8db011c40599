from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import render_error
from ..web.session import require_admin
from ..web.transaction import form_status, perform, refuse, transaction
from . import queries, services
from .forms import ApplyForm, UploadForm
from .services import DirectoryError

bp = Blueprint("directory", __name__, url_prefix="/admin/directory")
bp.before_request(require_admin)

# How many people of each list the preview shows (the counts are always whole).
SHOWN = 200
FIELD_LABELS = {
    services.NAME: _l("Name"), services.MANAGER: _l("Manager"),
    services.REGION: _l("Region"), services.JOB_TITLE: _l("Job title"),
    services.LANGUAGE: _l("Language"), services.ACTIVE: _l("Active"),
    services.AFFILIATION: _l("Internal or external"),
    services.MANAGED: _l("Managed by the directory"),
}


@bp.url_value_preprocessor
def _allow_the_file(_endpoint, _values):
    """This page takes a file larger than the app's usual limit, from admins only. Set
    before the CSRF check reads the body (URL value preprocessors run before every
    before_request function)."""
    if current_user.is_admin:
        request.max_content_length = current_app.config["DIRECTORY_MAX_BYTES"] + 64 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """Too large even for this page: say so on the upload page, not a generic one."""
    if not current_user.is_admin:
        return render_error(413)
    form = UploadForm(formdata=None)
    form.file.errors = [services.too_large_message()]
    return _upload_page(form, status=413)


def get_import_or_404(import_id):
    return queries.get_import(import_id) or abort(404)


def _upload_page(form, status=None):
    return render_template("directory/index.html", form=form,
                           imports=queries.recent_imports(),
                           max_mb=current_app.config["DIRECTORY_MAX_BYTES"] // (1024 * 1024)), \
        status if status is not None else form_status(form)


@bp.route("", methods=["GET", "POST"])
def index():
    """Upload a file: it is kept and previewed, nothing else is written yet."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with transaction():
                directory_import = services.upload(
                    upload.read(current_app.config["DIRECTORY_MAX_BYTES"] + 1),
                    actor=current_user, filename=upload.filename or "",
                    deactivate_missing=form.deactivate_missing.data)
        except DirectoryError as error:
            refuse(form, error)
        else:
            return redirect(url_for("directory.preview", import_id=directory_import.id))
    return _upload_page(form)


def _preview_page(directory_import, form=None, status=200):
    plan = services.preview(directory_import)
    if form is None:
        form = ApplyForm(formdata=None, sha256=directory_import.sha256, digest=plan.digest,
                         deactivate_missing="1" if directory_import.deactivate_missing else "0")
    return render_template("directory/preview.html", directory_import=directory_import,
                           plan=plan, form=form, shown=SHOWN,
                           field_labels=FIELD_LABELS), status


@bp.get("/<int:import_id>")
def preview(import_id):
    return _preview_page(get_import_or_404(import_id))


@bp.post("/<int:import_id>/apply")
def apply(import_id):
    directory_import = get_import_or_404(import_id)
    form = ApplyForm()
    if not form.validate():
        return _preview_page(directory_import, form=form, status=422)
    if perform(lambda: services.apply_import(
            directory_import, actor=current_user, sha256=form.sha256.data,
            deactivate_missing=form.deactivate_missing.data == "1", digest=form.digest.data),
            _applied_message):
        return redirect(url_for("directory.index"))
    return _preview_page(directory_import, status=409)


def _applied_message(plan):
    if plan.changes_nothing:
        return _("Nothing to change: the accounts already match this file.")
    counts = plan.counts
    return _("The directory is applied: %(new)d new, %(changed)d changed, "
             "%(deactivated)d deactivated.", new=counts["new"], changed=counts["changed"],
             deactivated=counts["deactivated"])
