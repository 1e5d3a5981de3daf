"""Field keys rotate (issue 10; SECURITY.md "Personal data": each ciphertext names its key so keys rotate):
a new key becomes current, everything is sealed again under it, and the old key leaves only when nothing
uses it. SM4-GCM (国密) works as well as AES-256-GCM."""

import ast
import io
import json
import os
import stat
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from skilleval.audit.models import AuditEntry
from skilleval.core.crypto import AES_256_GCM, SM4_GCM, keyring_from_dict, keyring_to_dict
from skilleval.notifications.models import Message
from skilleval.notifications.services import notify
from skilleval.people.models import Person
from skilleval.people.services import register_person
from skilleval.privacy import rotation
from skilleval.privacy.files import private_key_id, read_private, store_private
from skilleval.privacy.keys import keyring, reset_keyring_cache

pytestmark = pytest.mark.django_db

SKILLEVAL = Path(__file__).resolve().parents[2] / "skilleval"
PEOPLE = [
    ("李明", "110105199003071239", "13912345678"),
    ("王芳", "310101198505124561", "13800138000"),
    ("张三", "11010519491231002X", "15900001111"),
]


@pytest.fixture
def keys_file(settings, tmp_path):
    """A keyring and a media directory of this test's own, so other tests' keys and files stay apart."""
    settings.FIELD_KEYS_JSON = None
    settings.FIELD_KEYS_FILE = str(tmp_path / "keys" / "field-keys.json")
    settings.FIELD_CIPHER = AES_256_GCM
    settings.MEDIA_ROOT = str(tmp_path / "media")
    reset_keyring_cache()
    yield Path(settings.FIELD_KEYS_FILE)
    reset_keyring_cache()


def rotate(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_keys", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def register_all() -> list[Person]:
    return [
        register_person(full_name=name, id_type="resident_id", id_number=number, phone=phone, by=None)
        for name, number, phone in PEOPLE
    ]


def raw(model, field: str) -> list[str]:
    """The ciphertexts as stored, not decrypted by the field."""
    return list(
        model.objects.annotate(r=Cast(field, output_field=TextField()))
        .order_by("pk")
        .values_list("r", flat=True)
    )


def key_ids(model, field: str) -> set[str]:
    return {value.partition(":")[0] for value in raw(model, field) if value}


def test_a_new_key_becomes_current_and_the_old_one_still_reads(keys_file):
    first = register_all()[0]
    assert key_ids(Person, "id_number") == {"k1"}
    output = rotate("--new-key")
    assert "added k2" in output
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    saved = json.loads(keys_file.read_text())
    assert saved["current"] == "k2" and set(saved["keys"]) == {"k1", "k2"}
    assert keyring().current == "k2"
    assert Person.objects.get(pk=first.pk).id_number == "110105199003071239"  # k1 still reads
    register_person(full_name="赵六", id_type="resident_id", id_number="440304199812120011", by=None)
    assert key_ids(Person, "id_number") == {"k1", "k2"}
    entry = AuditEntry.objects.get(action="privacy.keys.rotate")
    assert entry.data["added"] == "k2" and entry.data["current"] == "k2" and entry.data["source"] == "file"
    stored = json.dumps(entry.data)
    for spec in saved["keys"].values():
        assert spec["secret"] not in stored
    assert saved["index_secret"] not in stored


def test_with_the_keyring_in_the_environment_the_new_json_is_printed_and_nothing_written(keys_file, settings):
    settings.FIELD_KEYS_JSON = json.dumps(keyring_to_dict(keyring()))
    keys_file.unlink()
    reset_keyring_cache()
    out = io.StringIO()
    call_command("rotate_keys", "--new-key", "--cipher", SM4_GCM, stdout=out, stderr=io.StringIO())
    printed = keyring_from_dict(json.loads(out.getvalue()))
    assert printed.current == "k2" and set(printed.keys) == {"k1", "k2"}
    assert printed.keys["k2"].cipher == SM4_GCM
    assert printed.index_secret == keyring().index_secret  # the blind indexes stay valid
    assert not keys_file.exists()
    assert keyring().current == "k1"  # the operator installs it; this process keeps what it has
    assert AuditEntry.objects.get(action="privacy.keys.rotate").data["source"] == "environment"


def test_a_staged_key_is_added_without_being_current_until_activated(keys_file):
    keyring()
    rotate("--new-key", "--stage")
    assert keyring().current == "k1" and set(keyring().keys) == {"k1", "k2"}
    rotate("--activate", "k2")
    assert keyring().current == "k2"
    with pytest.raises(CommandError, match="k9 is not in the keyring"):
        rotate("--activate", "k9")


def test_reencrypt_seals_every_column_value_and_private_file_under_the_current_key(keys_file):
    people = register_all()
    for person in people:
        photo = f"photo of {person.full_name}".encode()
        person.photo_name = store_private(photo, purpose="people.person.photo")
        person.save(update_fields=["photo_name"])
    notify(channel=Message.Channel.SMS, address=PEOPLE[0][2], topic="test", body="您好")
    waiting_zip = store_private(b"a zip waiting for its job", purpose="applications.photo_zip")
    name = people[0].photo_name
    photo_path = keys_file.parent.parent / "media" / "private" / name[:2] / name
    os.utime(photo_path, (1_700_000_000, 1_700_000_000))

    rotate("--new-key")
    output = rotate("--reencrypt", "--chunk", "2")

    assert "people.person.id_number: 3 re-encrypted" in output
    assert "people.person.phone: 3 re-encrypted" in output
    assert "notifications.message.address: 1 re-encrypted" in output
    assert "people.person.photo_name (files): 3 re-encrypted" in output
    assert "applications.photo_zip (files named by no row): 1 re-encrypted" in output
    assert key_ids(Person, "id_number") == key_ids(Person, "phone") == key_ids(Message, "address") == {"k2"}
    assert {private_key_id(p.photo_name) for p in people} == {private_key_id(waiting_zip)} == {"k2"}
    assert [(p.full_name, p.id_number, p.phone) for p in Person.objects.order_by("pk")] == PEOPLE
    assert Message.objects.get().address == PEOPLE[0][2]
    assert read_private(people[2].photo_name, purpose="people.person.photo") == "photo of 张三".encode()
    assert read_private(waiting_zip, purpose="applications.photo_zip") == b"a zip waiting for its job"
    assert photo_path.stat().st_mtime == 1_700_000_000  # retention still sees the file's real age
    summary = AuditEntry.objects.get(action="privacy.keys.reencrypt").data
    assert summary["current"] == "k2" and summary["counts"]["people.person.id_number"]["re-encrypted"] == 3


def test_an_interrupted_reencryption_is_finished_by_running_it_again(keys_file):
    people = register_all()
    rotate("--new-key")
    people[0].save()  # as if a first run had reached this row before it stopped
    assert key_ids(Person, "id_number") == {"k1", "k2"}
    assert "people.person.id_number: 2 re-encrypted" in rotate("--reencrypt")
    again = rotate("--reencrypt")
    assert "people.person.id_number: 0 re-encrypted" in again and "everything is sealed under k2" in again


def test_a_key_is_retired_only_when_nothing_uses_it_any_more(keys_file):
    people = register_all()
    people[0].photo_name = store_private(b"photo", purpose="people.person.photo")
    people[0].save(update_fields=["photo_name"])
    rotate("--new-key")
    with pytest.raises(CommandError) as refused:
        rotate("--retire", "k1")
    assert "people.person.id_number: 3" in str(refused.value)
    assert "people.person.phone: 3" in str(refused.value) and "private files: 1" in str(refused.value)
    assert set(keyring().keys) == {"k1", "k2"}

    rotate("--reencrypt")
    rotate("--retire", "k1")
    assert set(json.loads(keys_file.read_text())["keys"]) == {"k2"}
    assert [p.id_number for p in Person.objects.order_by("pk")] == [i for _n, i, _p in PEOPLE]
    assert AuditEntry.objects.get(action="privacy.keys.retire").data["retired"] == "k1"


def test_the_current_key_cannot_be_retired(keys_file):
    keyring()
    with pytest.raises(CommandError, match="k1 is the current key"):
        rotate("--retire", "k1")


def test_a_tampered_value_or_a_file_of_no_known_purpose_is_reported_and_keeps_its_key(keys_file):
    people = register_all()
    Person.objects.filter(pk=people[0].pk).update(phone=Value("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA", TextField()))
    store_private(b"left over", purpose="some.retired.feature")
    rotate("--new-key")
    with pytest.raises(CommandError, match="2 values or files could not be re-encrypted"):
        rotate("--reencrypt")
    with pytest.raises(CommandError, match=r"people.person.phone: 1, private files: 1"):
        rotate("--retire", "k1")


def test_the_status_counts_values_and_files_per_key(keys_file):
    register_all()
    store_private(b"evidence", purpose="applications.evidence")
    rotate("--new-key")
    register_person(full_name="赵六", id_type="resident_id", id_number="440304199812120011", by=None)
    output = rotate()
    assert "current key: k2; keys: k1, k2" in output
    assert "people.person.id_number: k1 3, k2 1" in output and "private files: k1 1" in output


# -- SM4-GCM (国密) -----------------------------------------------------------------------------------------


def test_a_keyring_whose_current_key_is_sm4_encrypts_and_decrypts_through_the_field(keys_file, settings):
    settings.FIELD_CIPHER = SM4_GCM
    reset_keyring_cache()
    assert keyring().keys[keyring().current].cipher == SM4_GCM
    person = register_person(full_name="李明", id_type="resident_id", id_number=PEOPLE[0][1], by=None)
    [ciphertext] = raw(Person, "id_number")
    assert ciphertext.startswith("k1:") and PEOPLE[0][1] not in ciphertext
    assert keyring().decrypt(ciphertext, purpose="people.person.id_number").decode() == PEOPLE[0][1]
    assert Person.objects.get(pk=person.pk).id_number == PEOPLE[0][1]


def test_rotating_from_aes_to_sm4_reencrypts_rows_that_read_back_afterwards(keys_file):
    register_all()
    assert keyring().keys["k1"].cipher == AES_256_GCM
    rotate("--new-key", "--cipher", SM4_GCM)
    rotate("--reencrypt")
    rotate("--retire", "k1")
    reset_keyring_cache()
    ring = keyring()
    assert set(ring.keys) == {"k2"} and ring.keys["k2"].cipher == SM4_GCM
    assert key_ids(Person, "id_number") == {"k2"}
    assert [(p.full_name, p.id_number, p.phone) for p in Person.objects.order_by("pk")] == PEOPLE


# -- the registry of private files ---------------------------------------------------------------------------


def _store_private_purposes() -> set[str]:
    """The purpose of every `store_private(…, purpose=…)` call in the code, as a constant or a literal."""
    import importlib

    found = set()
    for path in SKILLEVAL.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "store_private(" not in source or path.name == "files.py":
            continue
        module = importlib.import_module(".".join(path.relative_to(SKILLEVAL.parent).with_suffix("").parts))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == (
                "store_private"
            ):
                [purpose] = [k.value for k in node.keywords if k.arg == "purpose"]
                if isinstance(purpose, ast.Constant):
                    found.add(purpose.value)
                else:
                    assert isinstance(purpose, ast.Name), f"{path}: name the purpose with a module constant"
                    found.add(getattr(module, purpose.id))
    return found


def test_every_store_private_purpose_is_in_the_rotation_registry():
    """A new kind of private file needs a line in rotation.FILE_COLUMNS (or TRANSIENT_FILE_PURPOSES), or its
    files could not be re-encrypted and their old key never retired."""
    purposes = _store_private_purposes()
    assert "people.person.photo" in purposes and len(purposes) >= 8
    assert purposes == set(rotation.file_purposes())


def test_the_registry_names_columns_that_exist():
    from django.apps import apps

    for column in rotation.FILE_COLUMNS:
        field = apps.get_model(column.model)._meta.get_field(column.field)
        assert field.get_internal_type() == "CharField"
