from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..web.transaction import form_status, perform
from . import queries, services
from .forms import StoryForm

bp = Blueprint("stories", __name__)


def party_mentorship_or_404(mentorship_id):
    return queries.party_mentorship(current_user, mentorship_id) or abort(404)


def _back(mentorship):
    return redirect(url_for("mentorships.mentorship", mentorship_id=mentorship.id))


@bp.route("/mentorships/<int:mentorship_id>/story", methods=["GET", "POST"])
@login_required
def write(mentorship_id):
    mentorship = party_mentorship_or_404(mentorship_id)
    story = mentorship.story
    form = StoryForm(obj=story)
    if form.validate_on_submit() and perform(
            lambda: services.write_story(mentorship, actor=current_user,
                                         title=form.title.data, body=form.body.data),
            _("Your story is saved. Ask the other side to agree when it is ready."),
            form=form):
        return _back(mentorship)
    return render_template("stories/write.html", form=form, mentorship=mentorship,
                           story=story), form_status(form)


@bp.post("/mentorships/<int:mentorship_id>/story/ask")
@login_required
def ask(mentorship_id):
    mentorship = party_mentorship_or_404(mentorship_id)
    story = mentorship.story or abort(404)
    perform(lambda: services.ask_consent(story, actor=current_user),
            _("We have asked the other side to agree to your story."))
    return _back(mentorship)


@bp.post("/mentorships/<int:mentorship_id>/story/consent")
@login_required
def consent(mentorship_id):
    mentorship = party_mentorship_or_404(mentorship_id)
    story = mentorship.story or abort(404)
    perform(lambda: services.give_consent(story, actor=current_user,
                                          version=request.form.get("version", "")),
            _("Thank you: the story goes to the program team for publication."))
    return _back(mentorship)


