"""People and access: roles as groups, institutions as tenants (issue 2 item 8; SECURITY.md "Access")."""

import pytest
from django.contrib.auth.models import Group

from skilleval.accounts.models import Institution, User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import create_institution, ensure_first_admin, grant_role
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(db):
    return User.objects.create_user(username="bob", password="Bob-pass-2026!")


def test_every_role_exists_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_granting_a_staff_role_is_audited_and_makes_staff(admin_alice, bob):
    grant_role(bob, Role.REVIEWER, by=admin_alice)
    bob.refresh_from_db()
    assert bob.has_role(Role.REVIEWER) and bob.is_staff
    entry = AuditEntry.objects.get(action="accounts.role.grant")
    assert (entry.actor_label, entry.target_id, entry.data) == ("alice", str(bob.pk), {"role": "reviewer"})


def test_nobody_grants_a_role_to_themselves(bob):
    with pytest.raises(DomainError) as caught:
        grant_role(bob, Role.SUPERVISOR, by=bob)
    assert caught.value.code == "self_grant"
    assert not bob.has_role(Role.SUPERVISOR)


def test_system_security_and_audit_administrators_are_different_people(admin_alice, bob):
    grant_role(bob, Role.SECURITY_ADMIN, by=admin_alice)
    for role in (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN):
        with pytest.raises(DomainError) as caught:
            grant_role(bob, role, by=admin_alice)
        assert caught.value.code == "exclusive_admin_roles"
    grant_role(bob, Role.SUPERVISOR, by=admin_alice)  # any other role may be combined


def test_an_institution_user_belongs_to_an_institution(admin_alice, bob):
    with pytest.raises(DomainError):
        grant_role(bob, Role.INSTITUTION, by=admin_alice)
    school = create_institution(name="静安职业技术学校", uscc="9131010642502952X1", by=admin_alice)
    bob.institution = school
    bob.save()
    grant_role(bob, Role.INSTITUTION, by=admin_alice)
    assert bob.has_role(Role.INSTITUTION)
    bob.refresh_from_db()
    assert not bob.is_staff


def test_an_institution_needs_a_valid_credit_code(admin_alice):
    with pytest.raises(DomainError) as caught:
        create_institution(name="某培训学校", uscc="9131010642502952X2", by=admin_alice)
    assert caught.value.field == "uscc"
    assert not Institution.objects.exists()


def test_the_first_administrator_is_created_once_with_a_one_time_password():
    password = ensure_first_admin()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.must_change_password
    assert admin.check_password(password)
    assert admin.has_role(Role.SYSTEM_ADMIN)
    assert ensure_first_admin() is None
    assert AuditEntry.objects.filter(action="accounts.admin.bootstrap").count() == 1
