
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
from flask_babel import get_locale, ngettext, refresh
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..core.security import safe_next
from ..extensions import db, limiter
from ..i18n import LANGUAGES, SESSION_KEY
from ..web.session import (
    account_address_key,
    account_ceiling,
    account_key,
    address_limit,
    current_user_key,
    failed,
    login_limit,
    registration_limit,
    secret_page,
    start_session,
    succeeded,
)
from ..web.transaction import form_status, perform, refuse, transaction
from . import services, sso
from .forms import (
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    LookingForForm,
    RegistrationForm,
    ResetPasswordForm,
)
from .services import AccountError, SignInRefused

bp = Blueprint("accounts", __name__)


def home():
    """Where people land once signed in: their own page."""
    return url_for("home.index")


# Throttle, don't lock out: a guesser is slowed down per account and address, so ten
# wrong passwords from elsewhere do not stop the owner; a much looser ceiling per
# account meets a flood from many addresses; and an address trying many accounts is
# slowed down too.
@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit(login_limit, key_func=account_address_key, methods=["POST"], deduct_when=failed)
@limiter.limit(account_ceiling, key_func=account_key, methods=["POST"], deduct_when=failed)
@limiter.limit(address_limit, methods=["POST"], deduct_when=failed)
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or home())
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except AccountError as error:
            db.session.commit()  # keep the audit record and any new confirmation link
            flash(error.message, "error")
            return render_template("accounts/login.html", form=form)
        db.session.commit()
        start_session(user, remember=form.remember.data)
        flash(_("Welcome back, %(name)s.", name=user.first_name), "success")
        return redirect(next_url or home())
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.context_processor
def single_sign_on():
    return {"sso_label": sso.label()}


# Only refusals count: a whole office signs in from one address in the morning.
@bp.get("/auth/sso")
@limiter.limit(address_limit, deduct_when=failed)
def sso_start():
    if not sso.enabled():
        abort(404)
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or home())
    try:
        return sso.start(url_for("accounts.sso_callback", _external=True), next_url)
    except SignInRefused as refusal:
        return _sign_in_refused(refusal, next_url)


@bp.get("/auth/sso/callback")
@limiter.limit(address_limit, deduct_when=failed)
def sso_callback():
    # The address holds the provider's one-time code.
    return secret_page(make_response(_sso_callback()))


def _sso_callback():
    if not sso.enabled():
        abort(404)
    next_url = safe_next(sso.take_next())  # checked again: the session may be older
    try:
        issuer, claims = sso.finish()
        with transaction():
            user, created = services.sign_in_with_provider(
                issuer=issuer, claims=claims, language=str(get_locale()))
    except SignInRefused as refusal:
        return _sign_in_refused(refusal, next_url)
    start_session(user)
    refresh()  # the pages from now on speak the account's language
    if created:
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.full_name), "success")
    else:
        flash(_("Welcome back, %(name)s.", name=user.first_name), "success")
    return redirect(next_url or home())


def _sign_in_refused(refusal, next_url):
    with transaction():  # the refusal's record, after the sign-in's rollback
        services.record_refused_sign_in(refusal)
    status, message = sso.REFUSALS[refusal.reason]
    return render_template("accounts/sso_refused.html", message=str(message),
                           next_url=next_url), status


@bp.post("/auth/logout")
@login_required
def logout():
    language = current_user.language

    def end_session(_result):
        logout_user()
        session[SESSION_KEY] = language  # the pages after logging out keep speaking it

    perform(lambda: services.record_logout(actor=current_user), _("You have logged out."),
            after=end_session)
    return redirect(url_for("accounts.login"))


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit(registration_limit, methods=["POST"], deduct_when=succeeded)
def register():
    if current_user.is_authenticated:
        return redirect(home())
    form = RegistrationForm()
    if request.method == "GET":
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        try:
            with transaction():
                services.register_user(
                    email=form.email.data, full_name=form.full_name.data,
                    password=form.password.data, language=form.language.data)
        except services.OutsideAddress:
            # Not a mistake in the form: this address joins another way, which the page
            # explains in place of the form.
            return render_template("accounts/register.html", form=form, outside=True), 409
        except AccountError as error:
            refuse(form, error)
        else:
            # The same answer whether the address was new or taken.
            flash(_("Almost done: we have sent a link to %(email)s. Open it to confirm "
                    "your address, then you can log in.", email=form.email.data), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form), form_status(form)


@bp.route("/auth/verify/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def verify_email(token):
    return secret_page(make_response(_verify_email(token)))


def _verify_email(token):
    # Confirming is a button (POST): mail scanners that open links must not use them up.
    if request.method == "POST":
        with transaction():
            user = services.verify_email(token)
        if user is not None:
            start_session(user)
            flash(_("Your email address is confirmed. Welcome, %(name)s!",
                    name=user.full_name), "success")
            return redirect(home())
    elif services.token_user(token, services.VERIFY) is not None:
        return render_template("accounts/verify.html")
    return render_template("accounts/link_invalid.html")


@bp.route("/auth/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", key_func=account_key, methods=["POST"])
@limiter.limit("20 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            with transaction():
                services.request_password_reset(form.email.data)
        except AccountError as error:
            refuse(form, error)
        else:
            minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60)
            flash(ngettext("If an account uses %(email)s, we have emailed it a link to choose "
                           "a new password. The link works for %(num)d minute.",
                           "If an account uses %(email)s, we have emailed it a link to choose "
                           "a new password. The link works for %(num)d minutes.",
                           minutes, email=form.email.data), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), form_status(form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token):
    return secret_page(make_response(_reset_password(token)))


def _reset_password(token):
    user = services.token_user(token, services.RESET)
    if user is None:
        return render_template("accounts/link_invalid.html")
    if services.must_use_single_sign_on(user.email):
        # A link from before passwords were turned off for the company's addresses,
        # or the directory's welcome mail: the login page has the way in.
        flash(str(services.USE_SINGLE_SIGN_ON), "info")
        return redirect(url_for("accounts.login"))
    form = ResetPasswordForm(user)
    if form.validate_on_submit():
        try:
            with transaction():
                user = services.reset_password(token, form.password.data)
        except AccountError as error:
            flash(error.message, "error")
            return render_template("accounts/reset_password.html", form=form)
        if user is None:
            return render_template("accounts/link_invalid.html")
        start_session(user)
        flash(_("Your password has been changed and you are logged in."), "success")
        return redirect(home())
    return render_template("accounts/reset_password.html", form=form), form_status(form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", key_func=current_user_key, methods=["POST"])
def account():
    user = current_user
    form = AccountForm(obj=user)
    if user.in_directory:
        # Shown read-only: what is sent for these fields is ignored, the directory's kept.
        form.directory_owned(user)
    elif request.method == "GET":
        form.manager_email.data = user.manager.email if user.manager else ""
        form.region.data = user.region or ""
    if form.validate_on_submit() and perform(
            lambda: services.update_account(
                actor=user, full_name=form.full_name.data, language=form.language.data,
                timezone=form.timezone.data, region=form.region.data,
                job_title=form.job_title.data, manager_email=form.manager_email.data),
            # The confirmation already speaks the language just chosen.
            lambda _result: _("Your changes have been saved."),
            form=form, after=_speak_the_chosen_language):
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form, user=user,
                           may_use_password=services.may_use_password(user)), form_status(form)


def _speak_the_chosen_language(_result):
    session.pop(SESSION_KEY, None)
    refresh()


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, key_func=current_user_key, methods=["POST"], deduct_when=failed)
def change_password():
    if not services.may_use_password(current_user):
        flash(str(services.NO_PASSWORD_HERE), "info")
        return redirect(url_for("accounts.account"))
    form = ChangePasswordForm(current_user)
    if form.validate_on_submit() and perform(
            lambda: services.change_password(
                actor=current_user, current_password=form.current_password.data,
                new_password=form.password.data),
            _("Your password has been changed. Other devices have been logged out."),
            form=form, after=_continue_session):
        return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), form_status(form)


def _continue_session(_result):
    """Other devices are logged out; this one continues with the new session token."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") \
        in request.cookies
    start_session(current_user._get_current_object(), remember=remember)


@bp.route("/account/looking-for", methods=["GET", "POST"])
@login_required
def looking_for():
    language = str(get_locale())
    form = LookingForForm(language, obj=current_user)
    if request.method == "GET":
        form.interests.data = [area.id for area in current_user.interests]
    if form.validate_on_submit() and perform(
            lambda: services.set_looking_for(actor=current_user, areas=form.areas(),
                                             hours=form.desired_hours.data),
            _("Thanks: mentors are now matched with what you are looking for.")):
        return redirect(safe_next(request.args.get("next")) or url_for("mentors.browse"))
    return render_template("accounts/looking_for.html", form=form), form_status(form)


@bp.post("/language")
def set_language():
    """The language switcher. Works without JavaScript and keeps the user on the page."""
    language = request.form.get("language")
    if language in LANGUAGES:
        session[SESSION_KEY] = language
        if current_user.is_authenticated:
            with transaction():
                services.set_language(actor=current_user, language=language)
    return redirect(safe_next(request.form.get("next")) or url_for("program.index"))
