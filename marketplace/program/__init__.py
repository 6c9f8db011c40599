"""The program: the public home page (made editable in a later issue)."""
