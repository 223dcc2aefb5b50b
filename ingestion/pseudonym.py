"""Keyed pseudonyms (HMAC-SHA256) for applicants, computed inside DuckDB.

The key comes from ``$MOTCUA_PSEUDONYM_KEY`` (production: set it from a secret store or an
Airflow connection's password through the environment). When it is not set, a random key is
generated once into ``$MOTCUA_DATA_DIR/secrets/pseudonym.key`` (mode 0600, its folder 0700; a
key file or folder found more open is tightened, see :mod:`motcua.common.private`) so that local
runs are stable; it is never part of the code or the repository.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from motcua.common import private

log = logging.getLogger(__name__)

KEY_ENV = "MOTCUA_PSEUDONYM_KEY"
_BLOCK = 64  # SHA-256 block size in bytes


def load_key(secrets_dir: Path) -> bytes:
    """The pseudonymisation key: from the environment, else the data folder's key file."""
    value = os.environ.get(KEY_ENV)
    if value:
        return value.encode("utf-8")
    key_file = secrets_dir / "pseudonym.key"
    private.ensure_dir(secrets_dir)
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, private.FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        log.warning("%s not set: generated a local pseudonymisation key in %s", KEY_ENV, key_file)
    private.tighten_file(key_file)
    return key_file.read_text().strip().encode("utf-8")


def hmac_sql(key: bytes, expr: str) -> str:
    """SQL for hex HMAC-SHA256(key, expr) (RFC 2104), NULL when expr is NULL."""
    import hashlib

    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    return (
        f"case when {expr} is null then null else "
        f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode({expr})))) end"
    )


def applicant_identity_sql(expr: str) -> str:
    """Normalise an identity number before hashing: no spaces, dots or dashes, upper case."""
    return f"nullif(upper(regexp_replace({expr}, '[\\s.\\-]', '', 'g')), '')"
