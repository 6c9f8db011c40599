"""What the directory pages read."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import DirectoryImport

RECENT = 10


def get_import(import_id):
    """An uploaded file, or None (every admin may see every upload)."""
    return db.session.get(DirectoryImport, import_id,
                          options=[joinedload(DirectoryImport.uploaded_by),
                                   joinedload(DirectoryImport.applied_by)])


def recent_imports():
    """The latest uploads, newest first, with who uploaded and applied them."""
    return db.session.scalars(
        select(DirectoryImport)
        .options(joinedload(DirectoryImport.uploaded_by), joinedload(DirectoryImport.applied_by))
        .order_by(DirectoryImport.id.desc()).limit(RECENT)).all()
