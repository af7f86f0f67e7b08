"""The yearly cycle: entries of every kind, their workflow and pages, the results import,
reminders and history. Built on the plan structure and the domain apps; the reports may be read
here (the entry page previews a grade), never the reverse."""
