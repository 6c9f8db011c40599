"""Invitations: a rep recruits a mentor from outside the company (SPEC 3.4a)."""
