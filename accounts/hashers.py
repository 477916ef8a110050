"""Password hashing: Argon2id at OWASP's recommended parameters.

Django's PBKDF2 at its default iterations costs most of a CPU-second per sign-in, so a
training room of thirty people signing in together would queue for half a minute.
Argon2id is memory-hard: it resists guessing on graphics cards at a fraction of that CPU.
OWASP's Password Storage Cheat Sheet asks for at least 19 MiB of memory, 2 passes and 1
lane. Hashes made with other parameters or hashers (PBKDF2 from before) are rehashed with
these at the person's next sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
