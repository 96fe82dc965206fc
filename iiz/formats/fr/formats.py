"""Swiss formats for fr: Django's fr_CH formats."""

from django.conf.locale.fr_CH.formats import *  # noqa: F403
