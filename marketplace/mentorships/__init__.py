"""Mentorships: requests for mentoring, mentors' decisions, the mentorship itself."""
