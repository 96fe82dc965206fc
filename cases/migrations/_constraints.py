"""For the data migrations: on PostgreSQL, the rows a data function writes leave foreign-key
checks pending until the end of the migration's transaction, and the schema changes that
Django runs after it in the same transaction (the index of a new foreign key, a dropped
column) then fail with "pending trigger events". ``immediate`` checks them at once.
(A module whose name starts with "_" is not a migration.)"""


def immediate(function):
    def run(apps, schema_editor):
        function(apps, schema_editor)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    run.__name__ = function.__name__
    return run
