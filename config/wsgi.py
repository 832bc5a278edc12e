import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What start-up loaded (modules, URL patterns, the matcher's tables) lives as long as the process:
# out of the garbage collector's sight, a full collection no longer rescans it in the middle of a
# request (up to 50 ms at a national-scale directory, seen as the name matcher's worst lookups).
gc.freeze()
