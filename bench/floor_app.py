"""The framework floor: Django with Liaison's settings and middleware, but a view that only returns
bytes captured beforehand from the real endpoint (no queries, no templates, no serialisation).

Served exactly like the product (waitress, same threads, pinned to the same core by run.py):

    DATABASE_URL=... uv run python bench/floor_app.py --captured FILE --port 8766 --threads 4

FILE is JSON: {"<path with query string>": {"content_type": ..., "body_b64": ...}, ...}.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys

import common

CAPTURED: dict[str, tuple[str, bytes]] = {}


def captured_view(request):
    from django.http import HttpResponse, HttpResponseNotFound

    found = CAPTURED.get(request.get_full_path())
    if found is None:
        return HttpResponseNotFound(b"not captured")
    content_type, body = found
    return HttpResponse(body, content_type=content_type)


def _urlpatterns() -> list:
    from django.urls import re_path

    return [re_path(r"", captured_view)]


urlpatterns: list = []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--captured", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--threads", type=int, default=4)
    opts = parser.parse_args()
    with open(opts.captured) as fh:
        captured = json.load(fh)
    for path, item in captured.items():
        CAPTURED[path] = (item["content_type"], base64.b64decode(item["body_b64"]))
    common.setup_django()
    from django.conf import settings

    # Same settings module and middleware as the product; only the URLconf is this module's.
    global urlpatterns
    urlpatterns = _urlpatterns()
    sys.modules.setdefault("floor_app", sys.modules[__name__])  # run as a script: one module, not two
    settings.ROOT_URLCONF = "floor_app"
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    application = get_wsgi_application()
    print(f"floor app on http://{opts.host}:{opts.port}/ (pid {os.getpid()})", flush=True)
    serve(application, host=opts.host, port=opts.port, threads=opts.threads, ident="floor")


if __name__ == "__main__":
    main()
