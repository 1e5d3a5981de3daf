"""Field encryption and blind indexes (SECURITY.md "Personal data")."""

import os

import pytest

from skilleval.core.crypto import (
    AES_256_GCM,
    SM4_GCM,
    Keyring,
    TamperedCiphertext,
    keyring_from_dict,
    keyring_to_dict,
    new_key,
)

ID = "11010519491231002X"


def ring(*keys, current=None):
    keys = keys or (new_key("k1"),)
    return Keyring(
        keys={k.key_id: k for k in keys}, current=current or keys[0].key_id, index_secret=os.urandom(32)
    )


@pytest.mark.parametrize("cipher", [AES_256_GCM, SM4_GCM])
def test_a_value_round_trips_and_the_ciphertext_names_its_key(cipher):
    keys = ring(new_key("k7", cipher))
    token = keys.encrypt(ID.encode(), purpose="people.person.id_number")
    assert token.startswith("k7:")
    assert ID not in token and "19491231" not in token
    assert keys.decrypt(token, purpose="people.person.id_number") == ID.encode()


def test_the_same_value_encrypts_differently_each_time():
    keys = ring()
    assert keys.encrypt(b"13800138000", purpose="p") != keys.encrypt(b"13800138000", purpose="p")


@pytest.mark.parametrize("cipher", [AES_256_GCM, SM4_GCM])
def test_a_tampered_ciphertext_raises_instead_of_returning_garbage(cipher):
    keys = ring(new_key("k1", cipher))
    token = keys.encrypt(ID.encode(), purpose="p")
    body = bytearray(token.encode())
    body[10] = ord("A") if body[10] != ord("A") else ord("B")
    with pytest.raises(TamperedCiphertext):
        keys.decrypt(bytes(body).decode(), purpose="p")


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    keys = ring()
    token = keys.encrypt(ID.encode(), purpose="people.person.id_number")
    with pytest.raises(TamperedCiphertext):
        keys.decrypt(token, purpose="people.person.phone")


@pytest.mark.parametrize("token", ["k9:AAAA", "no-key-at-all", "k1:!!!", "k1:AAAA"])
def test_unknown_keys_and_junk_are_refused(token):
    with pytest.raises(TamperedCiphertext):
        ring().decrypt(token, purpose="p")


def test_after_rotation_old_values_still_read_and_new_ones_use_the_new_key():
    old = new_key("k1")
    before = ring(old)
    token = before.encrypt(ID.encode(), purpose="p")
    after = Keyring(
        keys={"k1": old, "k2": new_key("k2", SM4_GCM)}, current="k2", index_secret=before.index_secret
    )
    assert after.decrypt(token, purpose="p") == ID.encode()
    assert after.encrypt(ID.encode(), purpose="p").startswith("k2:")


def test_the_blind_index_is_stable_keyed_and_purpose_bound():
    keys = ring()
    assert keys.blind_index(ID, purpose="id") == keys.blind_index(ID, purpose="id")
    assert keys.blind_index(ID, purpose="id") != keys.blind_index(ID, purpose="phone")
    assert ring().blind_index(ID, purpose="id") != keys.blind_index(ID, purpose="id")  # another key
    assert len(keys.blind_index(ID, purpose="id")) == 64


def test_a_keyring_survives_serialisation():
    keys = ring(new_key("k1"), new_key("k2", SM4_GCM), current="k2")
    again = keyring_from_dict(keyring_to_dict(keys))
    assert again.decrypt(keys.encrypt(b"x", purpose="p"), purpose="p") == b"x"
    assert again.current == "k2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key_id": "k1", "cipher": "des", "secret": b"x" * 32}, "unknown cipher"),
        ({"key_id": "k1", "cipher": SM4_GCM, "secret": b"x" * 32}, "16 bytes"),
        ({"key_id": "k-1", "cipher": AES_256_GCM, "secret": b"x" * 32}, "letters and digits"),
    ],
)
def test_bad_keys_are_refused(kwargs, message):
    from skilleval.core.crypto import FieldKey

    with pytest.raises(ValueError, match=message):
        FieldKey(**kwargs)
