"""Invitations: a rep recruits a mentor from outside the company."""
