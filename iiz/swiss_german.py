"""Django's own texts that the Swiss German interface writes without "ß".

Swiss German writes "ss" where German writes "ß". Django's German catalogues use "ß" in a
few texts users see (the login error, form validation, the admin), so the same msgids are
translated again in locale/de, which takes precedence over Django's catalogues
(LOCALE_PATHS). Listed here so that makemessages keeps them; tests/test_i18n.py checks that
no "ß" is left anywhere in locale/de.
"""

from django.utils.translation import gettext_noop

DJANGO_TEXTS = [
    gettext_noop("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."),
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that both fields may be case-sensitive."
    ),
    gettext_noop(
        "Enter a valid username. This value may contain only unaccented lowercase a-z and uppercase A-Z letters, numbers, and @/./+/-/_ characters."
    ),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("“%(value)s” value must be a float."),
    gettext_noop("Date out of range"),
    gettext_noop("Big (8 byte) integer"),
    gettext_noop("Positive big integer"),
    gettext_noop("block size"),
    gettext_noop("Belarusian"),
    gettext_noop("Close"),
    gettext_noop("Ensure that the upper bound of the range is not greater than %(limit_value)s."),
]
