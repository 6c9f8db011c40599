"""What views share: forms, the transaction helper, the session, state labels and the
navigation. Views import this and their own package, never another view."""
