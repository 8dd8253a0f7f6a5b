"""Another application process, for tests/guide/test_deployment.py: `python -m tests.deploy_child
ACTION [ARGUMENT]`, with the settings of the environment (REDIS_URL, DATABASE_URL). It
prints one line of JSON: what it did and saw."""

import hashlib
import json
import os
import sys


def main(action, argument=""):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")
    import django

    django.setup()
    if action == "rate-limit":  # use up the error-report limit of client `argument`
        from django.conf import settings

        from partners import ratelimit

        limit = settings.ERROR_REPORTS_PER_HOUR
        allowed = [
            ratelimit.allow("error-report", argument, limit=limit, period=3600)
            for _ in range(limit)
        ]
        return {"allowed": allowed}
    if action == "geocoder-fails":  # the geocoder does not answer this process
        from actors.geocoding import GeocoderUnavailable, geocode

        try:
            geocode(argument)
        except GeocoderUnavailable as error:
            return {"unavailable": str(error)}
        return {"unavailable": None}
    if action == "search-page":  # a results page, computed here and kept in the page cache
        from django.test import Client

        response = Client(HTTP_HOST="localhost").get(argument)  # not the tests' "testserver"
        return {
            "status": response.status_code,
            "sha": hashlib.sha256(response.content).hexdigest(),
        }
    if action == "enqueue":
        from tests.deploy_tasks import which_process

        result = which_process.enqueue(os.getpid())
        return {"id": str(result.id), "pid": os.getpid()}
    if action == "result":
        from tests.deploy_tasks import which_process

        result = which_process.get_result(argument)
        return {"status": str(result.status), "value": result.return_value}
    raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
