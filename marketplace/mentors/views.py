from flask import (
    Blueprint,
    abort,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.clock import utcnow
from ..web.transaction import form_status, perform
from . import listing, queries, search, services
from .forms import BrowseForm, MentorProfileForm
from .models import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    PENDING,
)

bp = Blueprint("mentors", __name__)

def _language():
    return str(get_locale() or "en")


@bp.route("/profile/mentor", methods=["GET", "POST"])
@login_required
def my_profile():
    profile = services.profile_of(current_user)
    content = services.working_content(profile) if profile else None
    form = MentorProfileForm(_language(), queries.offered_areas(content))
    if request.method == "GET":
        if content is not None:
            form.load(content, profile)
        else:
            form.affiliation.data = current_user.affiliation
            form.company.data = current_user.company
            form.region.data = current_user.region or ""
            form.languages.data = [current_user.language]
    # "Save and send for review" is a second button of the same form: what is typed
    # is what is sent.
    send = bool(request.form.get("send"))
    save = services.save_and_submit if send else services.save_profile
    if form.validate_on_submit() and perform(
            lambda: save(actor=current_user, content=form.content(), details=form.details()),
            lambda saved: _saved_message(*saved, sent=send), form=form):
        return redirect(url_for("mentors.my_profile"))
    return render_template(
        "mentors/my_profile.html", form=form, profile=profile,
        revision=services.open_revision(profile) if profile else None,
        can_send=profile is None or services.can_submit(profile),
        requested_changes=queries.requested_changes(profile) if profile else [],
        history=queries.history(profile) if profile else []), form_status(form)


def _saved_message(profile, outcome, sent=False):
    if sent and outcome == services.SENT_FOR_REVIEW and profile.status == PENDING:
        return _("Your profile has been sent for review. We will let you know the outcome.")
    if outcome == services.SENT_FOR_REVIEW and profile.status == APPROVED:
        return _("Your changes have been sent for review. Until they are approved, people "
                 "see the approved version of your profile.")
    if outcome == services.SENT_FOR_REVIEW:
        return _("Your changes have been sent for review.")
    if profile.status in (DRAFT, CHANGES_REQUESTED):
        return _("Your profile has been saved. Send it for review when it is ready.")
    return _("Your changes have been saved.")


@bp.post("/profile/mentor/submit")
@login_required
def submit_profile():
    profile = services.profile_of(current_user)
    if profile is None:
        abort(404)
    perform(lambda: services.submit_profile(profile, actor=current_user),
            _("Your profile has been sent for review. We will let you know the outcome."))
    return redirect(url_for("mentors.my_profile"))


@bp.get("/mentors")
@login_required
def browse():
    if not queries.may_browse(current_user):
        abort(404)
    language = _language()
    args = request.args.copy()
    args.pop("page", None)
    filters, filters_form = listing.remembered(
        ("filters", language, tuple(args.items(multi=True))),
        lambda: _filters(args, language))
    page, cards = search.browse(filters, current_user, language,
                                request.args.get("page", 1, type=int))
    return render_template("mentors/browse.html", filters_form=filters_form,
                           filters=filters, page=page, cards=cards,
                           knows_interests=bool(current_user.interests))


def _filters(args, language):
    """The filters the address asks for, and their form as HTML. Each field's HTML
    depends on its own value, the page's language and the focus areas only: it is
    remembered so, and the form is put together from those of the address."""
    areas = listing.remembered(("filter areas",), lambda: tuple(
        search.Area(area.id, area.position, area.name_en, area.name_it)
        for area in queries.offered_areas()))
    form = BrowseForm(areas, language, args)
    filters = form.filters()
    field = _macro("filter_field")
    fields = {f.name: listing.remembered(
        ("filter field", language, f.name, tuple(f.raw_data or ()), str(f.data),
         tuple(map(str, f.errors))), lambda f=f: field(f)) for f in form}
    return filters, _macro("filters_form")(fields, filters)


@bp.app_template_global()
def mentor_card(card):
    """A card as HTML. What only the mentor decides is rendered once per mentor (their
    values) and language, and remembered; what depends on the viewer, around it."""
    name, details = listing.remembered(
        ("card parts", card.mentor, card.language), lambda: (
            _macro("card_name")(card.mentor),
            _macro("card_details")(card.mentor, card.language, card.answer_time)))
    return _macro("card")(card, name, details)


def _macro(name):
    return get_template_attribute("macros/mentors.html", name)


@bp.get("/mentors/<int:profile_id>")
@login_required  # first: visitors load nothing (and the user's query reads the version)
def mentor(profile_id):
    """A mentor's page. Profiles that are not listed do not exist for outsiders, nor do
    any for people who may not browse (their own aside)."""
    found = search.listed_mentor(profile_id) if queries.may_browse(current_user) else None
    listed = [found] if found else []
    if found is None:
        profile = queries.visible_profile(current_user, profile_id)
        if profile is None:
            abort(404)
        found = search.mentor_of(profile, services.working_content(profile))
    language = _language()
    card = search.cards(listed, current_user, search.seeker_for(current_user),
                        language)[0] if listed else None
    completed, hours_given = queries.track_record(found)
    # Not remembered: it depends on the viewer as much as on the mentor, and under real
    # traffic the same page for the same viewer hardly ever came back (0 of 512 in the
    # realistic mix of benchmarks/run.py).
    article = _macro("mentor_article")(found, card, language, completed, hours_given,
                                       current_user.id == found.user_id, current_user.is_admin)
    return render_template("mentors/mentor.html", mentor=found, card=card,
                           article=article, invited=card is not None and card.invited)


@bp.get("/profile/mentor/statement")
@login_required
def statement():
    """A printable statement of the mentor's confirmed hours (for incentive schemes)."""
    profile = services.profile_of(current_user)
    if profile is None:
        abort(404)
    rows = queries.statement(profile)
    return render_template("mentors/statement.html", profile=profile, rows=rows,
                           total=sum(hours for _mentorship, hours in rows),
                           today=utcnow())

