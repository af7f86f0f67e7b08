def display_name(user):
    """A person's name as Japanese offices write it: family name first ("市民 一郎")."""
    if user is None:
        return "(不明)"
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.get_username()
