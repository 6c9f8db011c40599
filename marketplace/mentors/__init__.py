"""Mentors: a mentor's own profile, and mentor pages as others see them."""
