"""On PostgreSQL the proximity index holds the id: counting a circle reads no row.

SQLite ignores INCLUDE (its indexes hold the rowid): the index is the same there.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0015_what_to_bring_in_english"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="structure",
            name="structure_status_band_idx",
        ),
        migrations.AddIndex(
            model_name="structure",
            index=models.Index(
                fields=["status", "latitude_band", "longitude", "latitude"],
                include=("id",),
                name="structure_status_band_idx",
            ),
        ),
    ]
