"""Model instances from fixed SQL, with what the ORM would have done to each value.

A results page fetches the same shapes on every request (twenty structures by id, the
permanences they host): compiling them through the ORM cost more than running them.
`ModelRows` writes a model's column list once and converts each value with the same
converters the ORM's compiler applies (dates and times from SQLite's text, JSON, …),
then builds the instance with `Model.from_db`, as a queryset does.
"""

import weakref

from django.db import connections


class ModelRows:
    def __init__(self, model):
        self.model = model
        self.fields = model._meta.concrete_fields
        self.attnames = [field.attname for field in self.fields]
        self._converters = weakref.WeakKeyDictionary()  # connection → [(index, [converters])]

    def __len__(self):
        return len(self.fields)

    def columns(self, alias, connection):
        """`alias."id", alias."name", …`: every concrete column, in the model's order."""
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields)

    def _converters_for(self, connection):
        converters = self._converters.get(connection)
        if converters is None:
            converters = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if found:
                    converters.append((index, col, found))
            self._converters[connection] = converters
        return converters

    def build(self, values, db):
        """An instance from the row's values (a list, converted in place)."""
        connection = connections[db]
        for index, col, converters in self._converters_for(connection):
            value = values[index]
            for converter in converters:
                value = converter(value, col, connection)
            values[index] = value
        return self.model.from_db(db, self.attnames, values)
