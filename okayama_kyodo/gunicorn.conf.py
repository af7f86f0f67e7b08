"""gunicorn hooks for the portal: `gunicorn -c okayama_kyodo/gunicorn.conf.py okayama_kyodo.wsgi`.

A large page (the overview of a big plan) builds tens of thousands of objects, and each
collection of the oldest generation walks every object in the process, the tens of thousands
loaded at start-up (Django, the URLs, the views) among them. Freezing those once a worker has
loaded the application takes them out of every later collection; they are never freed anyway.
"""

import gc


def post_worker_init(worker):
    from django.template.loader import get_template
    from django.urls import resolve

    from plans.reports.jinja import templates_version
    from plans.reports.pages import EVALUATION_TABLES

    resolve("/")  # imports the URLs and every view now rather than on the first request
    for names in EVALUATION_TABLES.values():  # compiled once, kept by Jinja2's environment
        for name in names:
            get_template(name, using="jinja2")
    templates_version()  # read once
    gc.collect()
    gc.freeze()
