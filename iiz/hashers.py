"""The password hasher: Argon2id (argon2-cffi), as Django recommends, with the parameters
of the OWASP password storage cheat sheet's first choice (19 MiB of memory, two passes, one
lane) instead of Django's default (100 MiB, eight lanes).

Django's default takes about a second per login on a two-core server, during which the
login holds a core; these parameters take well under 100 ms and still cost a password
guesser 19 MiB per try. Hashes made with other parameters (Django's default, older
releases) are still checked with their own and replaced at the user's next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
