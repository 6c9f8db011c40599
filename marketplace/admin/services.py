"""What admins do on their pages. Each rule lives in the domain that owns it (accounts,
program, invitations, stories, vetting); this is the admin pages' one way in to them,
and the place for changes that span domains."""


from ..accounts.models import EXTERNAL, INTERNAL
from ..accounts.services import (
    approve_user,
    deactivate_user,
    grant_admin,
    reactivate_user,
    revoke_admin,
    set_affiliation,
)
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


def make_external(user, *, actor):
    """An account marked internal whose address is not the company's (see the users
    page's check), or anyone an admin says is outside: the affiliation is theirs to set."""
    set_affiliation(user, actor=actor, affiliation=EXTERNAL)


def make_internal(user, *, actor):
    set_affiliation(user, actor=actor, affiliation=INTERNAL)
