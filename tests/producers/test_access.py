import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupPagePermission, Page

from core.roles import TOWNSHIP_EDITOR
from producers.access import producer_group_name, provision_producer
from producers.models import ProducerMembership
from tests.factories import UserFactory
from tests.producers.factories import ProducerFactory, ProducerPageFactory, producers_index
from tests.shop.factories import ProductPageFactory

pytestmark = pytest.mark.django_db


def member_of(producer_page):
    user = UserFactory()
    ProducerMembership.objects.create(producer=producer_page.producer, user=user)
    provision_producer(producer_page.producer)
    return user


def test_member_may_add_and_edit_under_their_own_producer_page_only():
    own, other = ProducerPageFactory(), ProducerPageFactory()
    user = member_of(own)

    assert own.permissions_for_user(user).can_add_subpage()
    assert own.permissions_for_user(user).can_edit()
    assert not other.permissions_for_user(user).can_add_subpage()
    assert not other.permissions_for_user(user).can_edit()


def test_member_cannot_publish_their_products():
    product = ProductPageFactory()
    user = member_of(product.get_parent())

    permissions = product.permissions_for_user(user)
    assert permissions.can_edit()
    assert not permissions.can_publish()


def test_provisioning_creates_a_draft_page_for_a_new_producer():
    index = producers_index()
    producer = ProducerFactory()
    page = provision_producer(producer)

    assert page.producer == producer
    assert not page.live
    assert page.get_parent().specific == index


def test_removing_a_membership_removes_the_permissions():
    own = ProducerPageFactory()
    user = member_of(own)
    ProducerMembership.objects.filter(user=user).delete()
    provision_producer(own.producer)

    assert not user.groups.filter(name=producer_group_name(own.producer)).exists()
    assert not user.groups.filter(name="producer_member").exists()
    assert not Page.objects.get(pk=own.pk).permissions_for_user(user).can_edit()


def test_provisioning_twice_changes_nothing():
    own = ProducerPageFactory()
    user = member_of(own)
    before = (GroupPagePermission.objects.count(), Collection.objects.count(), user.groups.count())

    provision_producer(own.producer)

    after = (GroupPagePermission.objects.count(), Collection.objects.count(), user.groups.count())
    assert after == before


def test_members_get_no_admin_access():
    user = member_of(ProducerPageFactory())

    assert not user.has_perm("wagtailadmin.access_admin")


def test_the_migration_takes_admin_access_from_producer_groups_only():
    own = ProducerPageFactory()
    member_of(own)
    access_admin = Permission.objects.get(codename="access_admin")
    group = Group.objects.get(name=producer_group_name(own.producer))
    group.permissions.add(access_admin)  # as provision_producer granted it before
    migration = importlib.import_module("producers.migrations.0008_members_leave_the_admin")

    migration.leave_the_admin(apps, None)

    assert access_admin not in group.permissions.all()
    assert access_admin in Group.objects.get(name=TOWNSHIP_EDITOR).permissions.all()
