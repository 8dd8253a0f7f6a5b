"""Read-only JSON API (/api/v1/): the same search as the results page, as data.

Query parameters are those of /recherche/, validated by the same FilterSet; invalid ones
give a 400 whose body names each parameter. `serializers` says what a structure is in
JSON (and writes a list page's rows out), `schema` documents the parameters from the
FilterSet for the OpenAPI schema, `views` answers.
"""
