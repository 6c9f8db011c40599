from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField
from wtforms.validators import AnyOf, DataRequired, Length

from ..web.forms import BaseForm


class UploadForm(BaseForm):
    file = FileField(
        _l("Directory file (CSV)"),
        description=_l("Columns: email, full_name, manager_email, region, job_title; "
                       "optionally language (en or it) and active (yes or no). UTF-8, "
                       "separated by commas or semicolons."),
        validators=[FileRequired(_l("Choose the file to upload."))])
    deactivate_missing = BooleanField(
        _l("Deactivate people missing from the file"),
        description=_l("Internal accounts that are not in the file are deactivated "
                       "(admins and external mentors are kept). The preview lists them."))


class ApplyForm(BaseForm):
    """What the preview showed, sent back so that exactly that is applied."""

    sha256 = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    digest = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    deactivate_missing = HiddenField(validators=[AnyOf(["0", "1"])])
