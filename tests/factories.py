"""factory-boy factories for Django's and Wagtail's own models (users, images),
and the base for page factories. Each app's models have their factories in
``tests/<app>/factories.py``."""

import io
from contextlib import contextmanager

import factory
import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db.models.signals import post_save
from modelsearch import index
from modelsearch.signal_handlers import post_save_signal_handler
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        """The address is verified, as a shop log-in needs (ACCOUNT_EMAIL_VERIFICATION);
        ``verified_email=False`` leaves it unverified."""
        if create and user.email and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
            )


def jpeg_bytes(width: int = 640, height: int = 480, colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Image

    title = factory.Sequence(lambda n: f"照片{n}")
    file = factory.LazyAttribute(
        lambda image: ImageFile(io.BytesIO(jpeg_bytes()), name=f"{image.title}.jpg")
    )


class PageFactory(factory.django.DjangoModelFactory):
    """Adds the page under ``parent`` (a page) and publishes it unless live=False."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        live = kwargs.pop("live", True)
        page = model_class(*args, live=live, **kwargs)
        with _indexed_once(page):
            parent.add_child(instance=page)
            revision = page.save_revision()
            if live:
                revision.publish()
        return page


@contextmanager
def _indexed_once(page):
    """Adding, revising and publishing save a page three times, and each save
    re-indexes it for search and for references: more than half of a page's cost
    in tests. Here it is indexed once, as it ends up."""
    model = type(page)
    post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        post_save.connect(post_save_signal_handler, sender=model)
    saved = model.objects.get(pk=page.pk)  # publishing saved a copy made from the revision
    index.insert_or_update_object(saved)
    ReferenceIndex.create_or_update_for_object(saved)


# Checks of the factories themselves, for each app's test_factories.py ----------


def factories_in(module) -> list[type[factory.django.DjangoModelFactory]]:
    """The concrete model factories a factories module defines."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, factory.django.DjangoModelFactory)
        and value.__module__ == module.__name__
        and not value._meta.abstract
    ]


def assert_builds_a_valid_row(factory_class) -> None:
    row = factory_class()
    assert row.pk is not None
    assert type(row)._default_manager.filter(pk=row.pk).exists()
    row.full_clean()


def factory_tests(module, app_label: str | None = None):
    """The tests of a factories module: each factory builds a valid saved row, and
    (given ``app_label``) every model of that app has a factory. A test module
    takes them as its own: ``test_a, test_b = factory_tests(factories, "shop")``."""
    factories = factories_in(module)

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        "factory_class", factories, ids=lambda factory_class: factory_class.__name__
    )
    def test_the_factory_builds_a_valid_saved_row(factory_class):
        assert_builds_a_valid_row(factory_class)

    def test_every_model_has_a_factory():
        assert_every_model_has_a_factory(app_label, factories)

    if app_label is None:
        return (test_the_factory_builds_a_valid_saved_row,)
    return test_the_factory_builds_a_valid_saved_row, test_every_model_has_a_factory


def assert_every_model_has_a_factory(app_label: str, factories) -> None:
    """Every concrete model of the app (but django-simple-history's) has a factory."""
    from django.apps import apps

    models = {
        model
        for model in apps.get_app_config(app_label).get_models()
        if not model.__name__.startswith("Historical")
    }
    assert models - {factory_class._meta.model for factory_class in factories} == set()
