class EntryKindConverter:
    """The kind of yearly entry in a URL: indicators or projects."""

    regex = "indicators|projects"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
