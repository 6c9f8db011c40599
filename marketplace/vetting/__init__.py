"""Vetting: the admins' review of mentor profiles."""
