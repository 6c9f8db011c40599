"""What admins do on their pages. Each rule lives in the domain that owns it (accounts,
program, invitations, stories, vetting); this is the admin pages' one way in to them,
and the place for changes that span domains."""

from flask_babel import gettext as _

from ..accounts.models import EXTERNAL, INTERNAL
from ..accounts.services import (
    AccountError,
    approve_user,
    deactivate_user,
    reactivate_user,
    revoke_admin,
    set_affiliation,
)
from ..accounts.services import grant_admin as _grant_admin
from ..invitations.services import cancel as revoke_invitation
from ..program.services import (
    AREA_NAMES_NEEDED,
    add_area,
    rename_area,
    restore_area,
    retire_area,
    update_texts,
)
from ..program.services import update_settings as _update_program_settings
from ..stories.services import NOTE_NEEDED, publish, return_story
from ..vetting.services import publish_fully_approved

__all__ = [
    "AREA_NAMES_NEEDED", "NOTE_NEEDED", "add_area", "approve_user", "deactivate_user",
    "grant_admin", "make_external", "make_internal",
    "publish", "reactivate_user", "rename_area", "restore_area", "retire_area",
    "return_story", "revoke_admin", "revoke_invitation", "update_settings", "update_texts",
]


def update_settings(*, actor, **values):
    """Save the program's settings; a new number of approvals publishes the versions
    that already have it. Returns the names of the settings that changed."""
    changes = _update_program_settings(actor=actor, **values)
    if "required_approvals" in changes:
        publish_fully_approved(actor=actor)
    return changes


def grant_admin(user, *, actor):
    """Make `user` an admin. Admins run the company's program and see everyone's data,
    so people from outside the company are never made admins (the users page does not
    offer it either)."""
    if user.is_external:
        raise AccountError(_("%(name)s is external: only people inside the company can be "
                             "admins.", name=user.full_name))
    _grant_admin(user, actor=actor)


def make_external(user, *, actor):
    """An account marked internal whose address is not the company's (see the users
    page's check), or anyone an admin says is outside: the affiliation is theirs to set."""
    set_affiliation(user, actor=actor, affiliation=EXTERNAL)


def make_internal(user, *, actor):
    set_affiliation(user, actor=actor, affiliation=INTERNAL)
