from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import DomainError
from ..extensions import limiter
from ..i18n import SESSION_KEY
from ..web.forms import EmptyForm
from ..web.session import current_user_key, secret_page, start_session
from ..web.transaction import form_status, perform, refuse, transaction
from . import queries, services
from .forms import InvitationForm, InviteeSignupForm

bp = Blueprint("invitations", __name__)

def sending_limit():
    return current_app.config["INVITATION_LIMIT_PER_USER"]


def signup_limit():
    return current_app.config["INVITATION_SIGNUP_LIMIT_PER_ADDRESS"]


# Sending and resending draw on the same allowance.
limit_sending = limiter.shared_limit(sending_limit, scope="invitations",
                                     key_func=current_user_key, methods=["POST"])


@bp.route("/invitations", methods=["GET", "POST"])
@login_required
@limit_sending
def index():
    form = InvitationForm()
    if request.method == "GET":
        form.language.data = current_user.language
    already = None
    if form.validate_on_submit():
        try:
            with transaction():
                invitation = services.invite(
                    actor=current_user, name=form.name.data, email=form.email.data,
                    message=form.message.data, language=form.language.data)
        except services.AlreadyRegistered as error:
            already = error
        except services.InvitationError as error:
            flash(error.message, "error")
        else:
            flash(_("Your invitation is on its way to %(email)s. We will tell you when "
                    "%(name)s is an approved mentor.", email=invitation.email,
                    name=invitation.name), "success")
            return redirect(url_for("invitations.index"))
    rows = queries.sent_by(current_user)
    return render_template(
        "invitations/index.html", form=form, rows=rows, already=already,
        cannot_invite=services.why_cannot_invite(current_user),
        open_count=services.open_count(current_user),
        limit=queries.open_limit()), form_status(form)


def own_invitation_or_404(invitation_id):
    return queries.own_invitation(current_user, invitation_id) or abort(404)


@bp.post("/invitations/<int:invitation_id>/resend")
@login_required
@limit_sending
def resend(invitation_id):
    invitation = own_invitation_or_404(invitation_id)
    perform(lambda: services.resend(invitation, actor=current_user),
            _("We have sent the invitation to %(email)s again, with a new link.",
              email=invitation.email))
    return redirect(url_for("invitations.index"))


@bp.post("/invitations/<int:invitation_id>/cancel")
@login_required
def cancel(invitation_id):
    invitation = own_invitation_or_404(invitation_id)
    perform(lambda: services.cancel(invitation, actor=current_user),
            _("The invitation to %(name)s is cancelled: its link no longer works.",
              name=invitation.name))
    return redirect(url_for("invitations.index"))


# The invitee's page ------------------------------------------------------------------------

@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(signup_limit, methods=["POST"])
def accept(token):
    # The address holds the secret: it must not leave in a Referer header.
    return secret_page(make_response(_accept(token)))


def _accept(token):
    invitation = services.invitation_for(token)
    if invitation is None:
        # Unknown, used, expired or cancelled: the same page, whatever the reason.
        return render_template("invitations/invalid.html")
    if current_user.is_authenticated:
        return _take_up(token, invitation)
    if request.method == "GET":
        services.mark_opened(invitation.id)
        if SESSION_KEY not in session:
            # The page speaks the invitation's language until the invitee picks one.
            session[SESSION_KEY] = invitation.language
            refresh()
    if queries.invitee_has_account(invitation):
        # They signed up before using the link: they log in and come back.
        return _page(invitation, has_account=True)
    form = InviteeSignupForm(invitation)
    if request.method == "GET":
        form.full_name.data = invitation.name
        form.language.data = session.get(SESSION_KEY, invitation.language)
    if form.validate_on_submit():
        try:
            with transaction():
                user = services.accept(token, full_name=form.full_name.data,
                                       password=form.password.data,
                                       language=form.language.data, company=form.company.data)
        except services.InvitationError:
            return render_template("invitations/invalid.html")
        except DomainError as error:  # the account's rules: the password, say
            refuse(form, error)
        else:
            start_session(user)
            flash(_("Welcome, %(name)s! Tell the program about yourself: once the program "
                    "team has reviewed your profile, %(inviter)s can ask you for mentoring.",
                    name=user.full_name, inviter=invitation.inviter.full_name), "success")
            return redirect(url_for("mentors.my_profile"))
    return _page(invitation, form=form), form_status(form)


def _take_up(token, invitation):
    """A logged-in visitor: the invitee takes the invitation up with their account;
    anyone else is told to log out first."""
    mine = current_user.email == invitation.email
    if mine and request.method == "GET":
        services.mark_opened(invitation.id)
    form = EmptyForm()
    if mine and form.validate_on_submit():
        try:
            with transaction():
                services.accept_as(token, actor=current_user)
        except services.InvitationError:
            return render_template("invitations/invalid.html")
        flash(_("The invitation is yours. Once the program team has approved your mentor "
                "profile, %(inviter)s can ask you for mentoring.",
                inviter=invitation.inviter.full_name), "success")
        return redirect(url_for("mentors.my_profile"))
    return _page(invitation, take_up=form if mine else None)


def _page(invitation, form=None, take_up=None, has_account=False):
    return render_template("invitations/accept.html", invitation=invitation, form=form,
                           take_up=take_up, has_account=has_account,
                           texts=queries.mentor_texts(str(get_locale())),
                           organisation=queries.organisation(str(get_locale())),
                           capacity=queries.CAPACITY, months=queries.MONTHS)
