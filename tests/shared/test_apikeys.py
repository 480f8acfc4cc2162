"""API keys: made with scopes and an optional expiry, stored as hashes, checked, revoked."""
import datetime as dt

import pytest
from sqlalchemy import select

from shared import apikeys
from shared.apikeys import ApiKeyExists
from shared.apikeys import ApiKeyRefused
from shared.apikeys import NoSuchApiKey
from shared.errors import DomainError
from shared.models import ApiKey
from shared.models import utcnow
from shared.types import Channel


def test_a_key_is_random_and_only_its_hash_is_stored(session):
    key, raw = apikeys.create(session, "portal", Channel.WEB)
    other, other_raw = apikeys.create(session, "app", Channel.APP)
    session.commit()
    assert raw != other_raw and len(raw) >= 40
    stored = session.scalar(select(ApiKey).where(ApiKey.name == "portal"))
    assert stored.key_hash == apikeys.hash_key(raw) != raw and raw not in stored.key_hash
    assert stored.scopes == {"file", "read_own"} and stored.channel is Channel.WEB
    assert apikeys.verify(session, raw) is stored
    assert apikeys.verify(session, other_raw) is other


@pytest.mark.parametrize("name, channel, scopes", [
    ("portal", Channel.WEB, ("file",)),  # the name is taken
    ("ivr", Channel.PHONE_IVR, ("file",)),
    ("bad", Channel.WEB, ("admin",)),
    ("none", Channel.WEB, ()),
])
def test_a_key_is_refused_for_a_taken_name_a_phone_channel_or_an_unknown_scope(
        session, name, channel, scopes):
    apikeys.create(session, "portal", Channel.WEB)
    session.commit()
    with pytest.raises(DomainError):
        apikeys.create(session, name, channel, scopes)
    with pytest.raises(ApiKeyExists):
        apikeys.create(session, "portal", Channel.APP)


def test_scopes_are_stored_in_one_order(session):
    key, _raw = apikeys.create(session, "observatory", Channel.API, ("read_all", "file"))
    assert key.scope == "file read_all"
    assert key.allows("read_all") and key.allows("file") and not key.allows("read_own")


@pytest.mark.parametrize("raw", ["", "unknown", "x" * 5000])
def test_an_unknown_key_is_refused(session, raw):
    apikeys.create(session, "portal", Channel.WEB)
    session.commit()
    with pytest.raises(ApiKeyRefused, match="invalid"):
        apikeys.verify(session, raw)


def test_an_expired_key_is_refused_from_its_expiry_on(session):
    expiry = utcnow() + dt.timedelta(days=30)
    _key, raw = apikeys.create(session, "partner", Channel.API, expires_at=expiry)
    session.commit()
    assert apikeys.verify(session, raw, now=expiry - dt.timedelta(seconds=1))
    for when in (expiry, expiry + dt.timedelta(days=1)):
        with pytest.raises(ApiKeyRefused, match="expired"):
            apikeys.verify(session, raw, now=when)


def test_a_revoked_key_is_refused_and_keeps_its_first_revocation(session):
    _key, raw = apikeys.create(session, "portal", Channel.WEB)
    session.commit()
    first = apikeys.revoke(session, "portal").revoked_at
    session.commit()
    assert apikeys.revoke(session, "portal").revoked_at == first
    with pytest.raises(ApiKeyRefused, match="revoked"):
        apikeys.verify(session, raw)
    with pytest.raises(NoSuchApiKey):
        apikeys.revoke(session, "nobody")
