class EntryKindConverter:
    """The kind of yearly entry in a URL (plans.progress.kinds: each kind's slug)."""

    regex = "indicators|projects|measures|responses"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class FillInKindConverter(EntryKindConverter):
    """The kinds of yearly entry that have fill-in files: a measure's assessment has none."""

    regex = "indicators|projects"
