"""The decision register replaces the free-text numbers (after 0006 moved them there).

Programmes and mergers cite a Decision; `decision_number` and `decided_on` are read from it
(the models' properties, the API's fields). Going back, the numbers and dates are copied
from the register into the text fields before they are made required again.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_back(apps, schema_editor):
    Programme = apps.get_model("mergers", "Programme")
    Merger = apps.get_model("mergers", "Merger")
    for programme in Programme.objects.select_related("decision").exclude(decision=None):
        programme.decision_number = programme.decision.number
        programme.decided_on = programme.decision.date
        programme.save(update_fields=["decision_number", "decided_on"])
    for merger in Merger.objects.select_related("decision").exclude(decision=None):
        merger.decision_number = merger.decision.number
        merger.decided_on = merger.decision.date or merger.effective_on or merger.created_at.date()
        merger.save(update_fields=["decision_number", "decided_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("mergers", "0008_decisions_from_free_text"),
    ]

    operations = [
        # Nullable first, so that going back can add the column before copy_back fills it.
        migrations.AlterField(
            model_name="merger",
            name="decided_on",
            field=models.DateField(null=True, verbose_name="ngày quyết định"),
        ),
        migrations.AlterField(
            model_name="historicalmerger",
            name="decided_on",
            field=models.DateField(null=True, verbose_name="ngày quyết định"),
        ),
        migrations.RunPython(migrations.RunPython.noop, copy_back),
        migrations.AlterModelOptions(
            name="merger",
            options={
                "ordering": [
                    models.OrderBy(models.F("programme__decision__date"), nulls_last=True),
                    "programme__code",
                    "district__code",
                ],
                "verbose_name": "hợp nhất",
                "verbose_name_plural": "hợp nhất",
            },
        ),
        migrations.AlterModelOptions(
            name="programme",
            options={
                "ordering": [models.OrderBy(models.F("decision__date"), nulls_last=True), "code"],
                "verbose_name": "đề án",
                "verbose_name_plural": "đề án",
            },
        ),
        migrations.RemoveField(
            model_name="historicalmerger",
            name="decided_on",
        ),
        migrations.RemoveField(
            model_name="historicalmerger",
            name="decision_number",
        ),
        migrations.RemoveField(
            model_name="historicalprogramme",
            name="decided_on",
        ),
        migrations.RemoveField(
            model_name="historicalprogramme",
            name="decision_number",
        ),
        migrations.RemoveField(
            model_name="merger",
            name="decided_on",
        ),
        migrations.RemoveField(
            model_name="merger",
            name="decision_number",
        ),
        migrations.RemoveField(
            model_name="programme",
            name="decided_on",
        ),
        migrations.RemoveField(
            model_name="programme",
            name="decision_number",
        ),
        migrations.AlterField(
            model_name="merger",
            name="decision",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="mergers",
                to="mergers.decision",
                verbose_name="quyết định",
            ),
        ),
    ]
