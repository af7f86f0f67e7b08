"""What the cycle's pages share beyond finding the plan and year (plans.views.common)."""


def posted_version(request):
    """The entry version a form was opened on; -1 (never current) when it is missing or bad."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1
