"""The organisation says who is inside, in a real browser (Chromium), in English and in
Italian, with axe-core checking every page on the way (see conftest.py).

An admin sets the company's email domain, uploads the organisation chart with two bad
rows, reads the errors by line in the preview, fixes the file and applies it; a new
employee sets a password from the welcome email and finds their manager, name, region
and job title read-only "from the company directory"; a freemail address is refused at
sign-up with the page that says outside mentors join through a colleague's invitation.
"""

import re
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext

from marketplace.directory.services import WELCOME_SUBJECT
from marketplace.geography import region_label

from ..factories import PASSWORD, make_user
from .conftest import quoted
from .test_journeys import NEW_PASSWORD, path_of

LANGUAGES = ["en", "it"]
DOMAIN = "acme.example"
ADMIN_EMAIL = f"ada@{DOMAIN}"
MANAGER_EMAIL = f"mara@{DOMAIN}"
EMPLOYEE_EMAIL = f"paolo@{DOMAIN}"
FREEMAIL = "someone@gmail.com"
RESET_LINK = re.compile(r"https?://[^\s]+/auth/reset/[\w-]+")
HEADER = "email,full_name,manager_email,region,job_title,language\n"


def chart(language, *, fixed):
    """The organisation chart as HR exports it; unless `fixed`, line 4 names a manager
    who is nowhere and line 5 a region that does not exist."""
    luca_manager = MANAGER_EMAIL if fixed else f"ghost@{DOMAIN}"
    sara_region = "Italia – Sud e isole" if fixed else "Atlantis"
    return (HEADER
            + f"{MANAGER_EMAIL},Mara Manager,,it-north,Sales director,{language}\n"
            + f"{EMPLOYEE_EMAIL},Paolo Neri,{MANAGER_EMAIL},Italy – Centre,Account "
              f"executive,{language}\n"
            + f"luca@{DOMAIN},Luca Verdi,{luca_manager},it-south,Sales rep,{language}\n"
            + f"sara@{DOMAIN},Sara Blu,{MANAGER_EMAIL},{sara_region},Key account "
              f"manager,{language}\n").encode("utf-8")



def in_language(live, language, message, **params):
    """What the app says in `language`, whatever the session speaks."""
    with live.app.test_request_context(), force_locale(language):
        return gettext(message, **params)


def counts(admin):
    """The preview's figures, by their label: {"New people": "2", ...}."""
    cards = admin.page.locator("main .cards.stats .card")
    return {card.locator("p").nth(1).inner_text(): card.locator(".stat").inner_text()
            for card in cards.all()}


def errors_by_line(admin):
    """The preview's table of errors, as [(line, message)]."""
    rows = admin.page.locator("section[aria-labelledby=errors-title] tbody tr")
    return [tuple(row.locator("td").all_inner_texts()) for row in rows.all()]


def upload(admin, content, filename):
    admin.page.set_input_files("main [name=file]", files=[{
        "name": filename, "mimeType": "text/csv", "buffer": content}])
    admin.submit("main form[enctype='multipart/form-data']")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admin_imports_the_chart_and_a_new_employee_finds_their_manager(
        live, open_session, language):
    with live.app.app_context():
        make_user(email=ADMIN_EMAIL, full_name="Ada Admin", is_admin=True, language=language)

    # The admin is told that no company domain is set, and sets one.
    admin = open_session(language, "org-admin")
    admin.login(ADMIN_EMAIL, PASSWORD)
    admin.goto("/admin")
    admin.click_link(f"nav a:text-is({quoted(admin.t('Settings'))})")
    assert path_of(admin) == "/admin/settings"
    assert admin.page.locator("h1").inner_text() == admin.t("Program settings")
    no_domain = admin.t("No company email domain is set yet.")
    assert no_domain in admin.text()
    admin.page.fill("main [name=internal_domains]", DOMAIN)
    admin.shot("settings-domain")
    admin.submit("main form[method=post]")
    assert path_of(admin) == "/admin/settings"
    assert admin.t("The settings have been saved.") in admin.flashes()
    assert admin.page.input_value("main [name=internal_domains]") == DOMAIN
    assert no_domain not in admin.text()

    # The admin finds the directory page from the dashboard and uploads the chart.
    admin.goto("/admin")
    directory_link = admin.t("Company directory: import the organisation chart")
    admin.click_link(f"main a:text-is({quoted(directory_link)})")
    assert path_of(admin) == "/admin/directory"
    assert admin.page.locator("h1").inner_text() == admin.t("Company directory")
    upload(admin, chart(language, fixed=False), "org-chart.csv")
    assert re.fullmatch(r"/admin/directory/\d+", path_of(admin)), path_of(admin)
    assert admin.page.locator("h1").inner_text() == admin.t("Directory preview")

    # The preview names both bad rows by their line and offers no way to apply.
    assert admin.t("The file has errors, so it cannot be applied. Correct the lines below "
                   "in your file and upload it again.") in admin.flashes()
    assert errors_by_line(admin) == [
        ("4", admin.t("The manager %(email)s is neither in the file nor an active account.",
                      email=f"ghost@{DOMAIN}")),
        ("5", admin.t("Unknown region “%(region)s”.", region="Atlantis")),
    ]
    figures = counts(admin)
    assert figures[admin.t("Errors")] == "2"
    assert figures[admin.t("New people")] == "2"
    apply_button = f"button:text-is({quoted(admin.t('Apply this file'))})"
    assert admin.page.locator(f"main {apply_button}").count() == 0
    admin.shot("preview-errors")

    # The admin fixes the file, uploads it again and reads the counts.
    admin.click_link(f"main a:text-is({quoted(admin.t('Upload another file'))})")
    assert path_of(admin) == "/admin/directory"
    assert admin.t("Not applied") in admin.text()
    upload(admin, chart(language, fixed=True), "org-chart-fixed.csv")
    assert re.fullmatch(r"/admin/directory/\d+", path_of(admin)), path_of(admin)
    assert admin.page.locator("#errors-title").count() == 0
    assert counts(admin) == {admin.t("New people"): "4", admin.t("Changed"): "0",
                             admin.t("Unchanged"): "0", admin.t("Errors"): "0"}
    new_people = admin.page.locator("section[aria-labelledby=new-title] tbody").inner_text()
    assert "Paolo Neri" in new_people and MANAGER_EMAIL in new_people
    assert live.mail_to(EMPLOYEE_EMAIL) == []  # nothing is written before applying
    admin.shot("preview-clean")

    # Applying it creates the accounts; the page says how many.
    admin.submit("main form[action$='/apply']", apply_button)
    assert path_of(admin) == "/admin/directory"
    assert admin.t("The directory is applied: %(new)d new, %(changed)d changed, "
                   "%(deactivated)d deactivated.", new=4, changed=0,
                   deactivated=0) in admin.flashes()
    uploads = admin.page.locator("main table tbody tr").all_inner_texts()
    assert len(uploads) == 2 and admin.t("Not applied") in uploads[1], uploads
    assert "org-chart-fixed.csv" in uploads[0] and admin.t("Not applied") not in uploads[0]
    admin.shot("applied")

    # The new employee's welcome email, in the language the file gives them.
    [mail] = live.mail_to(EMPLOYEE_EMAIL)
    assert mail.subject == in_language(live, language, str(WELCOME_SUBJECT))
    assert admin.t("Hello %(name)s,", name="Paolo") in mail.text
    link = urlsplit(RESET_LINK.search(mail.text).group(0))
    assert f"{link.scheme}://{link.netloc}" == live.url

    # They choose a password from the link and are logged in.
    employee = open_session(language, "employee")
    employee.goto(link.path)
    assert employee.page.locator("h1").inner_text() == employee.t("Choose a new password")
    employee.page.fill("main [name=password]", NEW_PASSWORD)
    employee.page.fill("main [name=confirm]", NEW_PASSWORD)
    employee.shot("set-password")
    employee.submit("main form[method=post]")
    assert employee.t("Your password has been changed and you are logged in.") \
        in employee.flashes()

    # Their account shows what the directory says about them, not as fields to edit.
    employee.click_link("nav a[href='/account']")
    assert path_of(employee) == "/account"
    page = employee.page
    assert page.locator("main h2", has_text=employee.t("From the company directory")
                        ).count() == 1
    facts = page.locator("#directory-facts").inner_text()
    for shown in ("Paolo Neri", f"Mara Manager ({MANAGER_EMAIL})", "Account executive",
                  in_language(live, language, str(region_label("it-centre")))):
        assert shown in facts, (shown, facts)
    for name in ("full_name", "manager_email", "region", "job_title"):
        assert page.locator(f"main form [name={name}]").count() == 0, name
    assert page.locator("main form [name=language]").count() > 0  # theirs to choose
    employee.shot("account")

    # Someone with a freemail address cannot sign up: outside mentors are invited.
    stranger = open_session(language, "freemail")
    stranger.goto("/auth/register")
    stranger.page.fill("main [name=full_name]", "Sam Someone")
    stranger.page.fill("main [name=email]", FREEMAIL)
    stranger.page.fill("main [name=password]", NEW_PASSWORD)
    stranger.page.fill("main [name=confirm]", NEW_PASSWORD)
    stranger.page.check(f"main [name=language][value={language}]")
    stranger.submit("main form[method=post]")
    assert path_of(stranger) == "/auth/register"
    refusal = stranger.page.locator("main [role=alert]")
    title = stranger.t("Mentors from outside the company join by invitation")
    assert refusal.locator("h2").inner_text() == title
    other = "it" if language == "en" else "en"
    assert title != in_language(live, other, "Mentors from outside the company join by "
                                "invitation")  # the page speaks the reader's language
    said = refusal.inner_text()
    assert stranger.t("Only the company’s own email addresses can sign up here, and "
                      "%(email)s is not one of them.", email=FREEMAIL) in said
    assert stranger.t("Are you going to mentor someone who works here? Ask them to invite "
                      "you: they open “Invite a mentor”, enter your name and email "
                      "address, and you receive an email with a link to sign up as a "
                      "mentor.") in said
    assert live.mail_to(FREEMAIL) == []
    stranger.shot("freemail-refused")
