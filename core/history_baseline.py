"""Starting the change history of a model that already has rows.

django-simple-history writes a record when a row is saved; a row that
existed before its model had history has none, so its first change later
would show only the new values. The migration that adds the history calls
``record_existing_rows`` to write one record per existing row (with its
many-to-many links), so that first change shows old → new. In the lowest
app, like ``role_grants``, so every app's migrations can use it.
"""

from django.utils import timezone

# The change reason of these records; ``aid_accounting.audit.trail`` labels it.
HISTORY_STARTED = "history_started"


def record_existing_rows(apps, *, app_label: str, model_names: list[str]) -> None:
    now = timezone.now()
    for name in model_names:
        model = apps.get_model(app_label, name)
        historical = apps.get_model(app_label, f"Historical{name}")
        tracked = [
            field.attname
            for field in historical._meta.concrete_fields
            if not field.name.startswith("history_")
        ]
        m2m = _historical_m2m(apps, app_label, model, name)
        for row in model.objects.iterator():
            record = historical.objects.create(
                history_date=now,
                history_type="+",
                history_change_reason=HISTORY_STARTED,
                **{attname: getattr(row, attname) for attname in tracked},
            )
            for field, historical_links in m2m:
                through = field.remote_field.through
                # Every column of the link, its id too, as simple-history copies them.
                columns = [f.attname for f in through._meta.concrete_fields]
                historical_links.objects.bulk_create(
                    historical_links(history=record, **{c: getattr(link, c) for c in columns})
                    for link in through.objects.filter(**{field.m2m_field_name(): row})
                )


def _historical_m2m(apps, app_label: str, model, name: str) -> list:
    """(field, historical link model) for each many-to-many field whose history is kept."""
    pairs = []
    for field in model._meta.many_to_many:
        try:
            links = apps.get_model(app_label, f"Historical{name}_{field.name}")
        except LookupError:
            continue
        pairs.append((field, links))
    return pairs
