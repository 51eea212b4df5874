"""WSGI entry point: ``gunicorn -c gunicorn.conf.py`` (``wsgi_app`` there) or
``waitress-serve wsgi:app``.

Background jobs never run on the web server's threads unless asked: imported by a
one-process server (waitress-serve), this starts the job process beside it; under gunicorn,
``gunicorn.conf.py``'s master starts the one job process for all workers, and gunicorn
without that file is refused (``textlabel.serving.start_jobs_for_wsgi``).
"""

from textlabel import create_app
from textlabel.serving import start_jobs_for_wsgi

app = create_app()
job_process = start_jobs_for_wsgi(app)
