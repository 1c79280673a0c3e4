"""The tamper-evident audit trail and its pages.

The package, one concern a module:

- ``chain``: the keyed hash chain, and ``record``, the one writer of ``AuditEvent`` rows;
- ``anchor``: signed checkpoints of the chain's head, in a file outside the database;
- ``verify``: walks the chain and the checkpoints and reports what does not hold;
- ``access``: sign-in, failed sign-in and refused websocket events (auth signal receivers);
- ``forms``, ``views``, ``urls``: the administrators' audit trail page and its exports.

Call sites import the package: ``audit.record("escalation.claimed", obj=..., ...)``.
"""

from cases.audit.chain import (
    GENESIS,
    LEGACY_KEY_ID,
    AuditKeyError,
    current_key_id,
    expected_hash,
    fields,
    keys,
    legacy_digest,
    mac,
    record,
)

__all__ = [
    "GENESIS",
    "LEGACY_KEY_ID",
    "AuditKeyError",
    "current_key_id",
    "expected_hash",
    "fields",
    "keys",
    "legacy_digest",
    "mac",
    "record",
]
