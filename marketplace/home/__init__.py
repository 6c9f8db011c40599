"""Each person's own page after login: what waits for them as a mentee, a mentor and
an admin, each item with its next action."""
