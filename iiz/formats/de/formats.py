"""Swiss formats for de: Django's de_CH formats."""

from django.conf.locale.de_CH.formats import *  # noqa: F403
