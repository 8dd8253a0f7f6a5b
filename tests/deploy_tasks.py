"""A task for tests/guide/test_deployment.py: it says which process ran it."""

import os

from django_tasks import task


@task()
def which_process(queued_by):
    return {"queued_by": queued_by, "run_by": os.getpid()}
