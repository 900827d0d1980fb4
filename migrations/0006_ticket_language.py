from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("hotline", "0005_survey_round_indexes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Ticket",
            name="language",
            field=fields.CharField(default="zh-CN", max_length=16),
        ),
    ]
