from django.db import migrations, models


def create_row(apps, schema_editor):
    apps.get_model("pagecache", "Generation").objects.using(
        schema_editor.connection.alias
    ).get_or_create(pk=1)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Generation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=1)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(pk=1), name="one_generation")
                ],
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
