"""The historical models now belong to `actors` (its 0014 took over and renamed their
tables): here they leave this app's state, and nothing happens in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_areas_of_any_layer"),
        ("actors", "0014_history_lives_with_the_models"),
    ]

    # The many-to-many histories first: each points at the history it belongs to.
    removed = [
        migrations.DeleteModel(name="HistoricalActor_needs"),
        migrations.DeleteModel(name="HistoricalPermanence_needs"),
        migrations.DeleteModel(name="HistoricalPermanence_publics"),
        migrations.DeleteModel(name="HistoricalStructure_languages"),
        migrations.DeleteModel(name="HistoricalStructure_needs"),
        migrations.DeleteModel(name="HistoricalStructure_publics"),
        migrations.DeleteModel(name="HistoricalActor"),
        migrations.DeleteModel(name="HistoricalNeighbourhood"),
        migrations.DeleteModel(name="HistoricalOpeningException"),
        migrations.DeleteModel(name="HistoricalOpeningSlot"),
        migrations.DeleteModel(name="HistoricalPermanence"),
        migrations.DeleteModel(name="HistoricalStructure"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=removed)]
