"""Privacy: a user's own data, downloaded, or deleted with their account."""
