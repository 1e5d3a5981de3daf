"""Lean bulk inserts for the few paths that write thousands of rows at once (the group import), and one
prepared statement for the busiest read (`fetch_one_prepared`).

Django's `bulk_create` builds one large statement per batch through its SQL compiler, which costs more than
the database itself at this size (BASELINES.md: 14,900 rows/s vs 125,000 for the driver's executemany). Here
each value still goes through its field where the field changes it on the way to the database (timestamps,
dates, JSON, decimals, encryption); plain text, numbers, booleans and keys go as they are, as Django would
send them. No ids come back: callers that need them select by a unique key they already hold.
"""

from collections.abc import Iterable

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

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


def insert_dicts(model, rows: Iterable[dict], *, with_pk: bool = False, batch_size: int = 2000) -> int:
    """Insert rows given as {attname: value} (`person_id`, not `person`): no model instances are built.

    A missing field takes its default, prepared for the database once; auto timestamps take one `now` for
    the whole insert. Present values are prepared by their own field (dates, JSON, decimals, encryption).
    `rows` may be a generator, so a large insert never holds all its rows at once; `with_pk` says the rows
    carry their primary key (from `reserve_ids`)."""
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the `connection` proxy costs a lookup per use
    now = timezone.now()
    fields = _insert_fields(model, with_pk=with_pk)
    plans = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = now.date() if type(field) is models.DateField else now
        else:
            default = field.get_default()
        plain = type(field) in PASSTHROUGH
        prepared = default if plain else field.get_db_prep_save(default, db)
        plans.append((field.attname, prepared, None if plain else field.get_db_prep_save))
    values = (
        tuple(
            (row[name] if convert is None else convert(row[name], db)) if name in row else prepared
            for name, prepared, convert in plans
        )
        for row in rows
    )
    return _write(db, model, fields, values, batch_size)


def _write(db, model, fields, values, batch_size: int) -> int:
    """COPY on PostgreSQL (the driver's fastest path), executemany in batches elsewhere."""
    count = 0
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            quote = db.ops.quote_name
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
                    count += 1
            return count
        sql = _insert_sql(db, model, fields)
        batch = []
        for row in values:
            batch.append(row)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _insert_fields(model, *, with_pk: bool = False) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if with_pk or not (f.primary_key and f.get_internal_type().endswith("AutoField"))
    ]


def _insert_sql(db, model, fields) -> str:
    quote = db.ops.quote_name
    # Table and column names come from the model's metadata, never from input; values are parameters.
    return "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )


def reserve_ids(model, count: int) -> list[int]:
    """Primary keys for `count` rows about to be inserted with explicit ids (so no lookup afterwards).

    PostgreSQL draws them from the table's sequence. SQLite takes the next ones above the table's highest id
    and its AUTOINCREMENT counter; the caller's transaction already holds SQLite's write lock (settings:
    transaction_mode IMMEDIATE), so nobody else can take them meanwhile."""
    if count == 0:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    table, column = model._meta.db_table, model._meta.pk.column
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not db.in_atomic_block:
            raise RuntimeError("reserve_ids must run inside the transaction that inserts the rows")
        quote = db.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


def take_serials(counter_model, prefix: str, count: int, *, limit: int) -> range:
    """`count` serials after the last one taken for `prefix`, from a counter model with `prefix` (primary key)
    and `last` fields. The counter row is locked until the caller's transaction ends, so serials never repeat
    and, since a rollback returns them, have no gaps. Call inside the transaction that uses them."""
    db = connections[DEFAULT_DB_ALIAS]
    if not db.in_atomic_block:
        raise RuntimeError("take_serials must run inside the transaction that uses the serials")
    counter_model.objects.bulk_create([counter_model(prefix=prefix)], ignore_conflicts=True)
    counter = counter_model.objects.select_for_update().get(prefix=prefix)
    if counter.last + count > limit:
        raise OverflowError(f"the serials of {prefix} are used up")
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return range(first, first + count)


def fetch_one_prepared(sql: str, params: list) -> tuple | None:
    """One row of a statement run very often (public certificate verification), prepared once per
    connection on PostgreSQL: planning a two-table join cost five times more than running it (0.07-0.13 ms
    against 0.015 ms, EXPLAIN ANALYZE on 1,000,000 certificates). Django's cursors bind parameters on the
    client, which cannot prepare, so the statement runs on a server-binding cursor of Django's own
    connection, kept with the connection: a new cursor per call, and Django's wrapper around it, cost about
    20 µs of the ~50 µs this call took (bench/certificate_verify.py).

    What Django's cursor would have done still happens: the health check, a refused query inside a broken
    transaction, and database errors as Django's own (which also marks the connection for a check at the end
    of the request). Elsewhere (SQLite), or when queries are being logged (DEBUG, a test counting them), the
    statement goes through Django's cursor. Needs `prepare_threshold` set (config/settings.py); without it,
    psycopg plans the statement on every call, correctly but slower."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or db.queries_logged:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        cursor = getattr(db, "prepared_cursor", None)
        if cursor is None or cursor.closed or cursor.connection is not db.connection:
            cursor = db.prepared_cursor = psycopg.Cursor(db.connection)
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()
