"""Lean bulk inserts for the few paths that write thousands of rows at once (the group import).

Django's `bulk_create` builds one large statement per batch through its SQL compiler, which costs more than
the database itself at this size (BASELINES.md: 14,900 rows/s vs 125,000 for the driver's executemany). Here
each value still goes through its field where the field changes it on the way to the database (timestamps,
dates, JSON, decimals, encryption); plain text, numbers, booleans and keys go as they are, as Django would
send them. No ids come back: callers that need them select by a unique key they already hold.
"""

from django.db import connection, models

# Exact field classes whose Python value is what the driver takes; anything else (dates, JSON, decimals,
# encrypted fields, subclasses) goes through its own get_db_prep_save.
PASSTHROUGH = frozenset(
    {
        models.CharField,
        models.EmailField,
        models.TextField,
        models.BooleanField,
        models.IntegerField,
        models.SmallIntegerField,
        models.BigIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.ForeignKey,
        models.OneToOneField,
    }
)


def _converter(field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    attname = field.attname
    if type(field) in PASSTHROUGH:
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def insert_rows(model, objects, *, batch_size: int = 2000) -> int:
    meta = model._meta
    fields = [
        f for f in meta.concrete_fields if not (f.primary_key and f.get_internal_type().endswith("AutoField"))
    ]
    converters = [_converter(f) for f in fields]
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata, never from input; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    count = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            rows = [
                tuple(convert(obj) for convert in converters) for obj in objects[start : start + batch_size]
            ]
            cursor.executemany(sql, rows)
            count += len(rows)
    return count
