from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..geography import REGIONS, region_label
from ..web.forms import CONTROL_CHARACTERS
from ..web.labels import REQUEST_STATE_LABELS
from ..web.session import require_admin
from ..web.transaction import form_status, perform
from . import exports, queries, services
from .forms import AreaForm, PeriodForm, ReturnForm, SettingsForm, program_texts_form

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_admin)


USERS_PER_PAGE = 25


def get_user_or_404(user_id):
    return queries.user(user_id) or abort(404)


USER_LISTS = (queries.WAITING, queries.CHECK)


def _shown_list():
    show = request.args.get("show")
    return show if show in USER_LISTS else None


@bp.get("/users")
def users():
    query = CONTROL_CHARACTERS.sub("", request.args.get("q") or "").strip()[:100]
    show = _shown_list()
    page = db.paginate(queries.users(query, show), per_page=USERS_PER_PAGE, error_out=False)
    waiting, to_check = queries.user_counts()
    return render_template("admin/users.html", page=page, query=query, show=show,
                           waiting=waiting, to_check=to_check,
                           domains_set=bool(queries.internal_domains()))


def _change_state(user_id, change, confirmation):
    user = get_user_or_404(user_id)
    perform(lambda: change(user, actor=current_user), lambda _result: confirmation(user))
    return redirect(url_for("admin.users", q=request.args.get("q") or None,
                            show=_shown_list()))


@bp.post("/users/<int:user_id>/approve")
def approve_user(user_id):
    return _change_state(user_id, services.approve_user, lambda user: _(
        "%(name)s's account is approved: they can now use the program.",
        name=user.full_name))


@bp.post("/users/<int:user_id>/make-external")
def make_external(user_id):
    return _change_state(user_id, services.make_external, lambda user: _(
        "%(name)s is now external.", name=user.full_name))


@bp.post("/users/<int:user_id>/make-internal")
def make_internal(user_id):
    return _change_state(user_id, services.make_internal, lambda user: _(
        "%(name)s is now internal.", name=user.full_name))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id):
    return _change_state(user_id, services.deactivate_user, lambda user: _(
        "%(name)s has been deactivated and logged out.", name=user.full_name))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id):
    return _change_state(user_id, services.reactivate_user, lambda user: _(
        "%(name)s can log in again.", name=user.full_name))


@bp.post("/users/<int:user_id>/grant-admin")
def grant_admin(user_id):
    return _change_state(user_id, services.grant_admin, lambda user: _(
        "%(name)s is now an admin.", name=user.full_name))


@bp.post("/users/<int:user_id>/revoke-admin")
def revoke_admin(user_id):
    return _change_state(user_id, services.revoke_admin, lambda user: _(
        "%(name)s is no longer an admin.", name=user.full_name))


# Focus areas -----------------------------------------------------------------------------

def get_area_or_404(area_id):
    return queries.area(area_id) or abort(404)


@bp.route("/areas", methods=["GET", "POST"])
def areas():
    form = AreaForm()
    if form.validate_on_submit() and perform(
            lambda: services.add_area(actor=current_user, name_en=form.name_en.data,
                                      name_it=form.name_it.data),
            _("The area has been added.")):
        return redirect(url_for("admin.areas"))
    return render_template("admin/areas.html", form=form,
                           areas=queries.all_areas()), form_status(form)


@bp.post("/areas/<int:area_id>")
def rename_area(area_id):
    area = get_area_or_404(area_id)
    form = AreaForm()
    if not form.validate():
        flash(_(services.AREA_NAMES_NEEDED), "error")
        return redirect(url_for("admin.areas"))
    perform(lambda: services.rename_area(area, actor=current_user, name_en=form.name_en.data,
                                         name_it=form.name_it.data),
            _("The area has been renamed."))
    return redirect(url_for("admin.areas"))


def _area_change(area_id, change, confirmation):
    area = get_area_or_404(area_id)
    perform(lambda: change(area, actor=current_user), confirmation)
    return redirect(url_for("admin.areas"))


@bp.post("/areas/<int:area_id>/retire")
def retire_area(area_id):
    return _area_change(area_id, services.retire_area, _(
        "The area is retired: it is no longer offered, and stays on the profiles that "
        "have it."))


@bp.post("/areas/<int:area_id>/restore")
def restore_area(area_id):
    return _area_change(area_id, services.restore_area, _("The area is offered again."))


# Settings --------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = SettingsForm(obj=queries.settings())
    if form.validate_on_submit() and perform(
            lambda: services.update_settings(actor=current_user, **form.values()),
            lambda changes: _(
                "The settings have been saved.") if changes else _("Nothing has changed."),
            form=form):
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form,
                           domains_set=bool(queries.internal_domains())), form_status(form)


# Invitations -----------------------------------------------------------------------------

INVITATIONS_PER_PAGE = 25


@bp.get("/invitations")
def invitations_list():
    page = db.paginate(queries.all_invitations(), per_page=INVITATIONS_PER_PAGE,
                       error_out=False)
    return render_template("admin/invitations.html", page=page,
                           rows=queries.with_states(page.items))


@bp.post("/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id):
    invitation = queries.invitation(invitation_id) or abort(404)
    perform(lambda: services.revoke_invitation(invitation, actor=current_user),
            _("The invitation to %(name)s is revoked: its link no longer works.",
              name=invitation.name))
    return redirect(url_for("admin.invitations_list", page=request.args.get("page")))


# The dashboard ---------------------------------------------------------------------------

DEFAULT_PERIOD_DAYS = 90


def _period():
    form = PeriodForm(request.args)
    form.validate()
    default = queries.Period.last_days(DEFAULT_PERIOD_DAYS)
    start = form.start.data if not form.start.errors and form.start.data else default.start
    end = form.end.data if not form.end.errors and form.end.data else default.end
    if start > end:
        start, end = end, start
    # A period ends where its next day begins: 9999-12-31 would overflow.
    start, end = min(start, queries.LAST_DAY), min(end, queries.LAST_DAY)
    return form, queries.Period(start=start, end=end)


def _dashboard():
    form, period = _period()
    areas = queries.all_areas()
    return form, queries.dashboard(period, areas, [code for code, _label in REGIONS])


@bp.get("")
def index():
    form, figures = _dashboard()
    # The form shows the period used (the default, or the dates put in order), in ISO
    # form (strftime writes the year 1 as "1"); a date that is not one stays as typed,
    # beside its error.
    for field, day in ((form.start, figures.period.start), (form.end, figures.period.end)):
        if not field.errors:
            field.data, field.raw_data = day, [day.isoformat()]
    language = str(get_locale())
    area_rows = [(area.name(language), values) for area, values in figures.by_area]
    return render_template(
        "admin/dashboard.html", form=form, figures=figures,
        domains_set=bool(queries.internal_domains()),
        invited=queries.invitation_figures(figures.period.first_moment, figures.period.last_moment),
        state_chart=[(label, figures.overall.requests_by_state[state])
                     for state, label in REQUEST_STATE_LABELS.items()],
        area_chart=[(name, values.hours_logged) for name, values in area_rows],
        area_rows=area_rows,
        region_rows=[(region_label(code), values) for code, values in figures.by_region])


def _csv(text, filename):
    return Response(text, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/export/figures.csv")
def export_figures():
    _form, figures = _dashboard()
    period = figures.period
    return _csv(exports.figures_csv(figures, str(get_locale())),
                f"figures-{period.start}-{period.end}.csv")


@bp.get("/export/mentorships.csv")
def export_mentorships():
    return _csv(exports.mentorships_csv(queries.mentorships_for_export(), str(get_locale())),
                "mentorships.csv")


# Success stories -------------------------------------------------------------------------

def get_story_or_404(story_id):
    return queries.story(story_id) or abort(404)


@bp.get("/stories")
def stories():
    return render_template("admin/stories.html", stories=queries.waiting_stories(),
                           return_form=ReturnForm())


@bp.post("/stories/<int:story_id>/publish")
def publish_story(story_id):
    story = get_story_or_404(story_id)
    perform(lambda: services.publish(story, actor=current_user),
            _("The story is published on the program page."))
    return redirect(url_for("admin.stories"))


@bp.post("/stories/<int:story_id>/return")
def return_story(story_id):
    story = get_story_or_404(story_id)
    form = ReturnForm()
    if not form.validate():
        flash(_(services.NOTE_NEEDED), "error")
    else:
        perform(lambda: services.return_story(story, actor=current_user, note=form.note.data),
                _("The story is returned to its author with your note."))
    return redirect(url_for("admin.stories"))


# The program page ------------------------------------------------------------------------

@bp.route("/program", methods=["GET", "POST"])
def program_texts():
    current = queries.settings()
    form = program_texts_form(queries.PARTS)
    if request.method == "GET":
        english, italian = queries.texts("en"), queries.texts("it")
        for key in queries.PARTS:
            form[f"{key}_en"].data = english[key][1]
            form[f"{key}_it"].data = italian[key][1]
        form.pilot_starts_on.data = current.pilot_starts_on
        form.rollout_starts_on.data = current.rollout_starts_on
    if form.validate_on_submit() and perform(
            lambda: services.update_texts(
                actor=current_user,
                texts={key: (form[f"{key}_en"].data, form[f"{key}_it"].data)
                       for key in queries.PARTS},
                pilot_starts_on=form.pilot_starts_on.data,
                rollout_starts_on=form.rollout_starts_on.data),
            lambda changed: _("The program page has been saved.") if changed
            else _("Nothing has changed."), form=form):
        return redirect(url_for("admin.program_texts"))
    return render_template("admin/program.html", form=form, parts=queries.PARTS), \
        form_status(form)
