"""The back office, under /staff: the staff sign-in and home (auth.py),
the agents' queue (agents.py), the admins' pages (admin.py), the
marketers' help content (content.py) and text editor (texts.py). Each
page asks for a permission of domain.roles (views.shared.guards.
staff_required); forms are in forms/staff/, templates in templates/staff/,
in the back office's own layout."""
